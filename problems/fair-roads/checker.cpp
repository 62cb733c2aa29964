// Checker for "Fair Roads": accepts any orientation where every town's in- and out-degree differ
// by at most one. Usage: checker <input> <output> <answer>; exit 0 OK, 1 WA, 2 PE, 3 FAIL.
// It does not compare with the jury answer beyond checking that the jury answer is itself fair.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

enum Result { OK = 0, WRONG = 1, PRESENTATION = 2, FAIL = 3 };

[[noreturn]] static void finish(Result result, const std::string& message) {
    std::fprintf(stderr, "%s\n", message.c_str());
    std::exit(result);
}

// Reads the single token of an output file; `whose` names it in messages.
static std::string readPlan(const char* path, const char* whose, Result onError) {
    std::ifstream in(path);
    if (!in) finish(onError == FAIL ? FAIL : WRONG, std::string("cannot open ") + whose);
    std::string plan, extra;
    if (!(in >> plan)) finish(onError, std::string(whose) + ": empty output");
    if (in >> extra) finish(onError, std::string(whose) + ": extra tokens after the plan");
    return plan;
}

// Returns an empty string when the plan is fair, otherwise the reason it is not.
static std::string judgePlan(const std::string& plan, int n, const std::vector<int>& from,
                             const std::vector<int>& to, Result& kind) {
    size_t m = from.size();
    if (plan.size() != m) {
        kind = WRONG;
        return "plan has " + std::to_string(plan.size()) + " characters, expected " + std::to_string(m);
    }
    std::vector<int> balance(n + 1, 0);
    for (size_t i = 0; i < m; ++i) {
        if (plan[i] != '0' && plan[i] != '1') {
            kind = PRESENTATION;
            return "character " + std::to_string(i + 1) + " is neither 0 nor 1";
        }
        int tail = plan[i] == '0' ? from[i] : to[i];
        int head = plan[i] == '0' ? to[i] : from[i];
        ++balance[tail];
        --balance[head];
    }
    for (int town = 1; town <= n; ++town)
        if (balance[town] > 1 || balance[town] < -1) {
            kind = WRONG;
            return "town " + std::to_string(town) + " has out-degree minus in-degree " +
                   std::to_string(balance[town]);
        }
    return "";
}

int main(int argc, char** argv) {
    if (argc < 4) finish(FAIL, "usage: checker <input> <output> <answer>");
    std::ifstream input(argv[1]);
    int n = 0, m = 0;
    if (!(input >> n >> m)) finish(FAIL, "cannot read n and m from the input");
    std::vector<int> from(m), to(m);
    for (int i = 0; i < m; ++i)
        if (!(input >> from[i] >> to[i])) finish(FAIL, "input ends early");

    Result kind = OK;
    std::string juryProblem = judgePlan(readPlan(argv[3], "answer file", FAIL), n, from, to, kind);
    if (!juryProblem.empty()) finish(FAIL, "jury answer is not fair: " + juryProblem);

    std::string problem = judgePlan(readPlan(argv[2], "output", PRESENTATION), n, from, to, kind);
    if (!problem.empty()) finish(kind, problem);
    finish(OK, "fair plan for " + std::to_string(m) + " roads");
}
