// Reference: the prefix function of reverse(s) + '#' + s gives the longest palindromic suffix
// of s; the rest of s, mirrored, is what must be appended.
#include <iostream>
#include <string>
#include <vector>

int main() {
    std::ios::sync_with_stdio(false);
    std::string s;
    std::cin >> s;
    std::string joined(s.rbegin(), s.rend());
    joined += '#';
    joined += s;
    std::vector<int> border(joined.size(), 0);
    for (size_t i = 1; i < joined.size(); ++i) {
        int k = border[i - 1];
        while (k > 0 && joined[i] != joined[k]) k = border[k - 1];
        if (joined[i] == joined[k]) ++k;
        border[i] = k;
    }
    size_t keep = s.size() - border.back();
    std::string tail(s.begin(), s.begin() + keep);
    std::cout << s << std::string(tail.rbegin(), tail.rend()) << '\n';
    return 0;
}
