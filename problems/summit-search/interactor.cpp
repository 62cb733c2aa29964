// Interactor for "Summit Search". Usage: interactor <input> <output>; reads the hidden ridge from
// <input>, talks to the solution over stdin/stdout, writes a one-line result to <output>.
// Exit 0 OK, 1 WA, 2 PE, 3 FAIL. It is not adaptive: the ridge is fixed before the first query.
// Input file: "n summit seed"; with seed 0 the n heights follow explicitly, otherwise the
// ridge is generated from the seed (so large tests stay small on disk).
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static const int MAX_QUERIES = 40;
static FILE* resultFile = nullptr;

[[noreturn]] static void finish(int code, const std::string& message) {
    if (resultFile) {
        std::fprintf(resultFile, "%s\n", message.c_str());
        std::fclose(resultFile);
    }
    std::fprintf(stderr, "%s\n", message.c_str());
    std::exit(code);
}

static std::vector<long long> buildRidge(FILE* in) {
    long long n, summit;
    unsigned long long seed;
    if (std::fscanf(in, "%lld %lld %llu", &n, &summit, &seed) != 3 || n < 1 || summit < 1 || summit > n)
        finish(3, "bad test input header");
    std::vector<long long> height(n + 1, 0);
    if (seed == 0) {
        for (long long i = 1; i <= n; ++i)
            if (std::fscanf(in, "%lld", &height[i]) != 1) finish(3, "test input ends early");
        return height;
    }
    // xorshift64: deterministic steps of 1..9000 keep every height within 1..10^9 for n <= 10^5
    auto next = [&seed]() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        return seed;
    };
    height[summit] = 1000000000LL - (long long)(next() % 1000);
    for (long long i = summit - 1; i >= 1; --i) height[i] = height[i + 1] - 1 - (long long)(next() % 9000);
    for (long long i = summit + 1; i <= n; ++i) height[i] = height[i - 1] - 1 - (long long)(next() % 9000);
    return height;
}

int main(int argc, char** argv) {
    if (argc < 3) finish(3, "usage: interactor <input> <output>");
    std::signal(SIGPIPE, SIG_IGN);  // a solution that exits early must give WA, not kill us
    resultFile = std::fopen(argv[2], "w");
    FILE* in = std::fopen(argv[1], "r");
    if (!in) finish(3, "cannot open test input");
    std::vector<long long> height = buildRidge(in);
    long long n = (long long)height.size() - 1;
    long long summit = 1;
    for (long long i = 2; i <= n; ++i)
        if (height[i] > height[summit]) summit = i;

    std::printf("%lld\n", n);
    std::fflush(stdout);
    int queries = 0;
    char kind[8];
    long long point;
    while (true) {
        int got = std::scanf("%7s", kind);
        if (got != 1) finish(1, "solution ended without announcing a summit");
        if (std::strcmp(kind, "?") != 0 && std::strcmp(kind, "!") != 0)
            finish(2, std::string("expected '?' or '!', got '") + kind + "'");
        if (std::scanf("%lld", &point) != 1) finish(2, "expected a point number");
        if (kind[0] == '!') {
            if (point != summit)
                finish(1, "answered " + std::to_string(point) + ", summit is " + std::to_string(summit));
            finish(0, "summit " + std::to_string(summit) + " found with " + std::to_string(queries) + " measurements");
        }
        ++queries;
        if (queries > MAX_QUERIES || point < 1 || point > n) {
            std::printf("-1\n");
            std::fflush(stdout);
            finish(1, queries > MAX_QUERIES ? "more than 40 measurements"
                                            : "point " + std::to_string(point) + " is outside 1..n");
        }
        std::printf("%lld\n", height[point]);
        std::fflush(stdout);
    }
}
