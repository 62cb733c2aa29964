// Reference: one pass over maximal runs.
#include <iostream>
#include <string>

int main() {
    std::ios::sync_with_stdio(false);
    std::string s;
    std::cin >> s;
    std::string out;
    out.reserve(s.size() * 2);
    for (size_t i = 0; i < s.size();) {
        size_t j = i;
        while (j < s.size() && s[j] == s[i]) ++j;
        out += s[i];
        if (j - i >= 2) out += std::to_string(j - i);
        i = j;
    }
    std::cout << out << '\n';
    return 0;
}
