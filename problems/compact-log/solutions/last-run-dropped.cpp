// Wrong: emits a run only when the next letter differs, so the final run is never written.
#include <iostream>
#include <string>

int main() {
    std::string s;
    std::cin >> s;
    std::string out;
    int count = 1;
    for (size_t i = 1; i < s.size(); ++i) {
        if (s[i] == s[i - 1]) {
            ++count;
        } else {
            out += s[i - 1];
            if (count >= 2) out += std::to_string(count);
            count = 1;
        }
    }
    std::cout << out << '\n';
    return 0;
}
