// Does not compile as C++20: std::string::ends_with exists, but std::string::contains is C++23.
#include <iostream>
#include <string>

int main() {
    std::string s;
    std::cin >> s;
    std::string reversed(s.rbegin(), s.rend());
    if (reversed.contains(s)) {
        std::cout << s << '\n';
        return 0;
    }
    for (size_t start = 1; start < s.size(); ++start) {
        std::string tail = s.substr(start);
        if (tail == std::string(tail.rbegin(), tail.rend())) {
            std::string head = s.substr(0, start);
            std::cout << s << std::string(head.rbegin(), head.rend()) << '\n';
            return 0;
        }
    }
    return 0;
}
