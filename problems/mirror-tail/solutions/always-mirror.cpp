// Wrong idea: always mirrors everything but the last letter, even when a longer palindromic
// suffix exists (or s is already a palindrome).
#include <iostream>
#include <string>

int main() {
    std::string s;
    std::cin >> s;
    std::string head = s.substr(0, s.size() - 1);
    std::cout << s << std::string(head.rbegin(), head.rend()) << '\n';
    return 0;
}
