// lmlab's testlib-compatible header: the part of testlib's interface that checkers, interactors,
// validators and simple generators use, written for lmlab from testlib's documented behaviour.
// Same command lines, exit codes (0 ok, 1 wrong answer, 2 presentation error, 3 fail, 7 points)
// and verdict lines on stderr ("ok ...", "wrong answer ...", "wrong output format ...",
// "FAIL ...", "points ..."), the same reading rules (tokens, 32/64-bit integers without
// leading zeros or "-0", doubles, lines, eoln/eof, seekEof), range and pattern checks, and
// "Extra information in the output file" when a checker accepts with output left unread.
// Deliberately not here: testlib's exact random stream (rnd is its own deterministic generator,
// so a generator run with this header writes different tests than with testlib's), the
// validator's coverage statistics, the XML result files and Windows specifics.
#ifndef LMLAB_TESTLIB_H
#define LMLAB_TESTLIB_H

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

using namespace std;

#define NORETURN [[noreturn]]

enum TResult { _ok = 0, _wa = 1, _pe = 2, _fail = 3, _dirt = 4, _points = 5, _unexpected_eof = 8, _partially = 16 };
enum TTestlibMode { _unknown, _checker, _validator, _generator, _interactor, _scorer };
enum TMode { _input, _output, _answer };

const int OK_EXIT_CODE = 0;
const int WA_EXIT_CODE = 1;
const int PE_EXIT_CODE = 2;
const int FAIL_EXIT_CODE = 3;
const int DIRT_EXIT_CODE = 4;
const int POINTS_EXIT_CODE = 7;
const int UNEXPECTED_EOF_EXIT_CODE = 8;
const int PC_BASE_EXIT_CODE = 50;

#define _pc(exitCode) (TResult(_partially + (exitCode)))

const char LF = '\n';
const char CR = '\r';
const char SPACE = ' ';
const char TAB = '\t';
const int EOFC = 256;

static TTestlibMode testlibMode = _unknown;
static double __lmlab_points = 0;
static std::string __lmlab_checker_name;

// ---------------------------------------------------------------- small helpers

static std::string __lmlab_vformat(const char *fmt, va_list ap) {
    va_list copy;
    va_copy(copy, ap);
    int n = std::vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0) return std::string(fmt);
    std::vector<char> buf(size_t(n) + 1);
    std::vsnprintf(buf.data(), buf.size(), fmt, ap);
    return std::string(buf.data(), size_t(n));
}

#ifdef __GNUC__
__attribute__((format(printf, 1, 2)))
#endif
inline std::string format(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::string s = __lmlab_vformat(fmt, ap);
    va_end(ap);
    return s;
}

inline std::string format(const std::string fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::string s = __lmlab_vformat(fmt.c_str(), ap);
    va_end(ap);
    return s;
}

#define testlib_format_ format

template <typename T>
static std::string vtos(const T &t) {
    if constexpr (std::is_integral<T>::value) {
        if (t == 0) return "0";
        T n = t;
        bool negative = n < 0;
        std::string s;
        while (n != 0) {
            int digit = int(n % 10);
            s += char('0' + (digit < 0 ? -digit : digit));
            n /= 10;
        }
        std::reverse(s.begin(), s.end());
        return negative ? "-" + s : s;
    } else {
        std::ostringstream out;
        out << t;
        return out.str();
    }
}

// Range ends read "10^9" or "2*10^5" when they end in at least seven zeros.
template <typename T>
static std::string toHumanReadableString(const T &n) {
    if (n == 0) return "0";
    int zeros = 0;
    T m = n;
    while (m % 10 == 0) m /= 10, zeros++;
    if (zeros < 7) return vtos(n);
    if (m == 1) return "10^" + vtos(zeros);
    if constexpr (std::is_signed<T>::value) {
        if (m == -1) return "-10^" + vtos(zeros);
    }
    return vtos(m) + "*10^" + vtos(zeros);
}

inline std::string upperCase(std::string s) {
    for (char &c : s)
        if (c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
    return s;
}

inline std::string lowerCase(std::string s) {
    for (char &c : s)
        if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    return s;
}

template <typename C>
inline bool isEoln(C c) { return c == LF || c == CR; }

template <typename C>
inline bool isBlanks(C c) { return c == LF || c == CR || c == SPACE || c == TAB; }

inline std::string trim(const std::string &s) {
    size_t begin = 0, end = s.size();
    while (begin < end && isBlanks(s[begin])) begin++;
    while (end > begin && isBlanks(s[end - 1])) end--;
    return s.substr(begin, end - begin);
}

// A token as messages quote it: NULs shown as '~', long ones cut to 30 + "..." + 31 characters.
static std::string __lmlab_part(const std::string &s) {
    std::string t;
    for (char c : s) t += c == '\0' ? '~' : c;
    if (t.size() <= 64) return t;
    return t.substr(0, 30) + "..." + t.substr(s.size() - 31, 31);
}

inline std::string compress(const std::string &s) { return __lmlab_part(s); }

inline std::string englishEnding(int x) {
    x %= 100;
    if (x / 10 == 1) return "th";
    if (x % 10 == 1) return "st";
    if (x % 10 == 2) return "nd";
    if (x % 10 == 3) return "rd";
    return "th";
}

static bool __lmlab_isNaN(double r) {
    volatile double v = r;
    return v != v;
}

static bool __lmlab_isInfinite(double r) {
    volatile double v = r;
    return v > 1E300 || v < -1E300;
}

// testlib's absolute value and minimum, with its signed zeros: a zero error relative to a
// negative answer prints as -0.0 in messages.
static inline double __lmlab_abs(double x) { return x > 0 ? x : -x; }
static inline double __lmlab_min(double a, double b) { return a < b ? a : b; }

// Absolute or relative error at most maxError (plus 1e-15 of slack); infinities match by sign.
inline bool doubleCompare(double expected, double result, double maxError) {
    maxError += 1E-15;
    if (__lmlab_isNaN(expected)) return __lmlab_isNaN(result);
    if (__lmlab_isInfinite(expected)) return expected > 0 ? result > 0 && __lmlab_isInfinite(result) : result < 0 && __lmlab_isInfinite(result);
    if (__lmlab_isNaN(result) || __lmlab_isInfinite(result)) return false;
    if (__lmlab_abs(result - expected) <= maxError) return true;
    double a = expected * (1.0 - maxError), b = expected * (1.0 + maxError);
    return result >= std::min(a, b) && result <= std::max(a, b);
}

inline double doubleDelta(double expected, double result) {
    double absolute = __lmlab_abs(result - expected);
    if (__lmlab_abs(expected) > 1E-9) return __lmlab_min(absolute, __lmlab_abs(absolute / expected));
    return absolute;
}

static std::string removeDoubleTrailingZeroes(std::string value) {
    if (value.find('.') != std::string::npos)
        while (!value.empty() && value.back() == '0') value.pop_back();
    if (!value.empty() && value.back() == '.') value += '0';
    return value;
}

// ---------------------------------------------------------------- patterns
// testlib's token patterns: literal characters, [a-z0-9_] sets (with ^ for "not"), groups in
// parentheses, alternatives with |, and repetition by ?, *, + or {n} / {n,m}. A pattern must
// match the whole token.

class pattern {
  public:
    pattern() {}
    explicit pattern(std::string s) : src_(s) {
        size_t at = 0;
        root_ = parseAlternatives(at);
        if (at != src_.size()) fail("unexpected ')'");
    }
    bool matches(const std::string &s) const {
        bool any = false;
        matchNode(root_, s, 0, [&](size_t end) { if (end == s.size()) any = true; return any; });
        return any;
    }
    std::string src() const { return src_; }

  private:
    struct Node {
        enum Kind { Set, Seq, Alt } kind = Seq;
        std::vector<bool> chars;          // Set
        std::vector<Node> parts;          // Seq (items) or Alt (choices)
        int minRep = 1, maxRep = 1;       // repetition of this node as an item
    };
    std::string src_;
    Node root_;

    [[noreturn]] void fail(const std::string &why) const {
        std::fprintf(stderr, "FAIL Invalid pattern \"%s\": %s\n", src_.c_str(), why.c_str());
        std::exit(FAIL_EXIT_CODE);
    }

    Node parseAlternatives(size_t &at) {
        Node alt;
        alt.kind = Node::Alt;
        alt.parts.push_back(parseSequence(at));
        while (at < src_.size() && src_[at] == '|') {
            at++;
            alt.parts.push_back(parseSequence(at));
        }
        return alt;
    }

    Node parseSequence(size_t &at) {
        Node seq;
        seq.kind = Node::Seq;
        while (at < src_.size() && src_[at] != '|' && src_[at] != ')') {
            Node item;
            if (src_[at] == '(') {
                at++;
                item = parseAlternatives(at);
                if (at >= src_.size() || src_[at] != ')') fail("missing ')'");
                at++;
            } else if (src_[at] == '[') {
                item = parseSet(at);
            } else {
                if (src_[at] == '\\' && at + 1 < src_.size()) at++;
                item.kind = Node::Set;
                item.chars.assign(256, false);
                item.chars[(unsigned char)src_[at++]] = true;
            }
            parseRepeat(at, item);
            seq.parts.push_back(item);
        }
        return seq;
    }

    Node parseSet(size_t &at) {
        Node set;
        set.kind = Node::Set;
        set.chars.assign(256, false);
        at++;  // '['
        bool negate = at < src_.size() && src_[at] == '^';
        if (negate) at++;
        std::vector<bool> chosen(256, false);
        bool first = true;
        while (at < src_.size() && (src_[at] != ']' || first)) {
            first = false;
            unsigned char c = (unsigned char)src_[at];
            if (c == '\\' && at + 1 < src_.size()) c = (unsigned char)src_[++at];
            if (at + 2 < src_.size() && src_[at + 1] == '-' && src_[at + 2] != ']') {
                unsigned char d = (unsigned char)src_[at + 2];
                if (d < c) fail("bad range in []");
                for (int x = c; x <= d; x++) chosen[x] = true;
                at += 3;
            } else {
                chosen[c] = true;
                at++;
            }
        }
        if (at >= src_.size()) fail("missing ']'");
        at++;
        for (int x = 0; x < 256; x++) set.chars[x] = negate ? !chosen[x] : chosen[x];
        return set;
    }

    void parseRepeat(size_t &at, Node &item) {
        if (at >= src_.size()) return;
        char c = src_[at];
        if (c == '?') item.minRep = 0, item.maxRep = 1, at++;
        else if (c == '*') item.minRep = 0, item.maxRep = INT_MAX, at++;
        else if (c == '+') item.minRep = 1, item.maxRep = INT_MAX, at++;
        else if (c == '{') {
            size_t close = src_.find('}', at);
            if (close == std::string::npos) fail("missing '}'");
            std::string inside = src_.substr(at + 1, close - at - 1);
            size_t comma = inside.find(',');
            if (comma == std::string::npos) item.minRep = item.maxRep = std::atoi(inside.c_str());
            else {
                item.minRep = std::atoi(inside.substr(0, comma).c_str());
                item.maxRep = std::atoi(inside.substr(comma + 1).c_str());
            }
            if (item.minRep < 0 || item.maxRep < item.minRep) fail("bad repetition");
            at = close + 1;
        }
    }

    typedef std::function<bool(size_t)> Next;

    // Calls `next(end)` for every way `node` (once) matches s from `at`; stops when it returns true.
    bool matchOnce(const Node &node, const std::string &s, size_t at, const Next &next) const {
        if (node.kind == Node::Set) return at < s.size() && node.chars[(unsigned char)s[at]] && next(at + 1);
        if (node.kind == Node::Alt) {
            for (const Node &choice : node.parts)
                if (matchOnce(choice, s, at, next)) return true;
            return false;
        }
        return matchSeq(node, 0, s, at, next);
    }

    bool matchSeq(const Node &seq, size_t i, const std::string &s, size_t at, const Next &next) const {
        if (i == seq.parts.size()) return next(at);
        return matchItem(seq.parts[i], 0, s, at, [&](size_t end) { return matchSeq(seq, i + 1, s, end, next); });
    }

    // Greedy repetition with backtracking: try one more repeat before stopping at this count.
    bool matchItem(const Node &item, int count, const std::string &s, size_t at, const Next &next) const {
        if (count < item.maxRep) {
            bool done = matchOnce(item, s, at, [&](size_t end) {
                if (end == at && count >= item.minRep) return false;  // no progress: stop repeating
                return matchItem(item, count + 1, s, end, next);
            });
            if (done) return true;
        }
        return count >= item.minRep && next(at);
    }

    bool matchNode(const Node &node, const std::string &s, size_t at, const Next &next) const {
        Node once = node;
        once.minRep = once.maxRep = 1;
        return matchItem(once, 0, s, at, next);
    }
};

// ---------------------------------------------------------------- streams

struct InStream;
NORETURN static void __lmlab_quit(InStream *stream, TResult result, std::string message);

struct InStream {
    std::string name;
    TMode mode = _input;
    bool opened = false;
    bool strict = false;
    bool stdfile = false;
    size_t maxFileSize = 128 * 1024 * 1024;
    size_t maxTokenLength = 32 * 1024 * 1024;
    size_t maxMessageLength = 32000;

    InStream() {}

    // Whole files are read at once; stdin (an interactor's dialogue) is read as it comes.
    void init(const std::string &fileName, TMode m) {
        name = fileName;
        mode = m;
        stdfile = false;
        std::FILE *f = std::fopen(fileName.c_str(), "rb");
        if (!f) {
            opened = false;
            if (m == _output) __lmlab_quit(this, _pe, "Output file not found: \"" + fileName + "\"");
            if (m == _answer) __lmlab_quit(this, _fail, "Answer file not found: \"" + fileName + "\"");
            return;
        }
        data.clear();
        char buf[1 << 16];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
            data.append(buf, n);
            if (data.size() > maxFileSize)
                __lmlab_quit(this, _pe, format("File size exceeds %d bytes, size is %d", int(maxFileSize), int(data.size())));
        }
        std::fclose(f);
        pos = 0;
        file = NULL;
        opened = true;
    }

    void init(std::FILE *f, TMode m) {
        name = f == stdin ? "stdin" : "untitled";
        mode = m;
        stdfile = true;
        file = f;
        opened = true;
    }

    // -- characters
    int curChar() {
        if (!opened) return EOFC;
        if (!file) return pos < data.size() ? (unsigned char)data[pos] : EOFC;
        if (pushed.empty()) {
            int c = std::getc(file);
            if (c == EOF) return EOFC;
            pushed.push_back(c);
        }
        return pushed.back();
    }
    int nextChar() {
        int c = curChar();
        if (c == EOFC) return EOFC;
        if (!file) pos++;
        else pushed.pop_back();
        return c;
    }
    void unreadChar(int c) {
        if (c == EOFC) return;
        if (!file) pos--;
        else pushed.push_back(c);
    }
    void skipChar() { nextChar(); }
    char readChar() { return char(nextChar()); }
    char readChar(char c) {
        int found = nextChar();
        if (found != (unsigned char)c) {
            if (found != EOFC && !isEoln(found))
                quit(_pe, ("Unexpected character '" + std::string(1, char(found)) + "', but '" + std::string(1, c) + "' expected").c_str());
            quit(_pe, ("Unexpected character #" + vtos(found == EOFC ? -1 : found) + ", but '" + std::string(1, c) + "' expected").c_str());
        }
        return c;
    }
    char readSpace() { return readChar(' '); }
    void skipBlanks() {
        while (isBlanks(curChar())) nextChar();
    }
    void skipBom() {
        if (!file && data.compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;
    }

    // -- end of line / file
    bool eof() { return curChar() == EOFC; }
    bool seekEof() {
        skipBlanks();
        return eof();
    }
    bool eoln() {
        int c = nextChar();
        if (c == EOFC || c == LF) return true;
        if (c == CR) {
            int d = nextChar();
            if (d == LF) return true;
            unreadChar(d);
            unreadChar(CR);
            return false;
        }
        unreadChar(c);
        return false;
    }
    bool seekEoln() {
        while (curChar() == SPACE || curChar() == TAB) nextChar();
        return eoln();
    }
    void readEoln() {
        if (!eoln()) quit(_pe, "Expected EOLN");
    }
    void readEof() {
        if (!eof()) quit(_pe, "Expected EOF");
    }
    void nextLine() { readLine(); }

    // -- tokens
    void readWordTo(std::string &result) {
        if (!strict) skipBlanks();
        int c = nextChar();
        if (c == EOFC) quit(_unexpected_eof, "Unexpected end of file - token expected");
        if (isBlanks(c)) quit(_pe, "Unexpected white-space - token expected");
        result.clear();
        while (c != EOFC && !isBlanks(c)) {
            result += char(c);
            if (result.size() > maxTokenLength)
                quitf(_pe, "Length of token exceeds %d, token is '%s...'", int(maxTokenLength), __lmlab_part(result).c_str());
            c = nextChar();
        }
        unreadChar(c);
    }
    std::string readWord() {
        std::string s;
        readWordTo(s);
        return s;
    }
    std::string readToken() { return readWord(); }
    void readTokenTo(std::string &result) { readWordTo(result); }

    std::string readWord(const pattern &p, const std::string &variableName = "") {
        std::string s = readWord();
        checkPattern(s, p, variableName);
        return s;
    }
    std::string readWord(const std::string &ptrn, const std::string &variableName = "") { return readWord(pattern(ptrn), variableName); }
    std::string readToken(const pattern &p, const std::string &variableName = "") { return readWord(p, variableName); }
    std::string readToken(const std::string &ptrn, const std::string &variableName = "") { return readWord(ptrn, variableName); }
    void readWordTo(std::string &result, const pattern &p, const std::string &variableName = "") {
        readWordTo(result);
        checkPattern(result, p, variableName);
    }
    void readWordTo(std::string &result, const std::string &ptrn, const std::string &variableName = "") { readWordTo(result, pattern(ptrn), variableName); }
    void readTokenTo(std::string &result, const pattern &p, const std::string &variableName = "") { readWordTo(result, p, variableName); }
    void readTokenTo(std::string &result, const std::string &ptrn, const std::string &variableName = "") { readWordTo(result, pattern(ptrn), variableName); }
    std::vector<std::string> readWords(int size, const std::string &ptrn, const std::string &variablesName = "", int indexBase = 1) {
        return readMany<std::string>(size, indexBase, true, [&]() { return readWord(ptrn, variablesName); });
    }
    std::vector<std::string> readWords(int size, int indexBase = 1) {
        return readMany<std::string>(size, indexBase, true, [&]() { return readWord(); });
    }
    std::vector<std::string> readTokens(int size, const std::string &ptrn, const std::string &variablesName = "", int indexBase = 1) {
        return readWords(size, ptrn, variablesName, indexBase);
    }
    std::vector<std::string> readTokens(int size, int indexBase = 1) { return readWords(size, indexBase); }

    // -- integers
    long long readLong() {
        if (!strict && seekEof()) quit(_unexpected_eof, "Unexpected end of file - int64 expected");
        return toLongLong(readWord());
    }
    int readInteger() {
        if (!strict && seekEof()) quit(_unexpected_eof, "Unexpected end of file - int32 expected");
        std::string token = readWord();
        long long v = toLongLong(token);
        if (v < INT_MIN || v > INT_MAX) quit(_pe, ("Expected int32, but \"" + __lmlab_part(token) + "\" found").c_str());
        return int(v);
    }
    int readInt() { return readInteger(); }
    unsigned long long readUnsignedLong() {
        if (!strict && seekEof()) quit(_unexpected_eof, "Unexpected end of file - int64 expected");
        std::string t = readWord();
        bool bad = t.empty() || t.size() > 20 || (t.size() > 1 && t[0] == '0');
        for (char c : t) bad = bad || c < '0' || c > '9';
        unsigned long long v = 0;
        if (!bad) {
            errno = 0;
            v = std::strtoull(t.c_str(), NULL, 10);
            bad = errno == ERANGE;
        }
        if (bad) quit(_pe, ("Expected unsigned integer, but \"" + __lmlab_part(t) + "\" found").c_str());
        return v;
    }
    long long readLong(long long minv, long long maxv, const std::string &variableName = "") {
        long long v = readLong();
        if (v < minv || v > maxv) rangeError("Integer", vtos(v), toHumanReadableString(minv), toHumanReadableString(maxv), variableName);
        return v;
    }
    int readInt(int minv, int maxv, const std::string &variableName = "") {
        int v = readInt();
        if (v < minv || v > maxv) rangeError("Integer", vtos(v), toHumanReadableString(minv), toHumanReadableString(maxv), variableName);
        return v;
    }
    int readInteger(int minv, int maxv, const std::string &variableName = "") { return readInt(minv, maxv, variableName); }
    unsigned long long readUnsignedLong(unsigned long long minv, unsigned long long maxv, const std::string &variableName = "") {
        unsigned long long v = readUnsignedLong();
        if (v < minv || v > maxv) rangeError("Unsigned integer", vtos(v), toHumanReadableString(minv), toHumanReadableString(maxv), variableName);
        return v;
    }
    std::vector<int> readInts(int size, int minv, int maxv, const std::string &variablesName = "", int indexBase = 1) {
        return readMany<int>(size, indexBase, true, [&]() { return readInt(minv, maxv, variablesName); });
    }
    std::vector<int> readInts(int size, int indexBase = 1) {
        return readMany<int>(size, indexBase, true, [&]() { return readInt(); });
    }
    std::vector<int> readIntegers(int size, int minv, int maxv, const std::string &variablesName = "", int indexBase = 1) {
        return readInts(size, minv, maxv, variablesName, indexBase);
    }
    std::vector<int> readIntegers(int size, int indexBase = 1) { return readInts(size, indexBase); }
    std::vector<long long> readLongs(int size, long long minv, long long maxv, const std::string &variablesName = "", int indexBase = 1) {
        return readMany<long long>(size, indexBase, true, [&]() { return readLong(minv, maxv, variablesName); });
    }
    std::vector<long long> readLongs(int size, int indexBase = 1) {
        return readMany<long long>(size, indexBase, true, [&]() { return readLong(); });
    }

    // -- doubles
    double readReal() {
        if (!strict && seekEof()) quit(_unexpected_eof, "Unexpected end of file - double expected");
        return toDouble(readWord());
    }
    double readDouble() { return readReal(); }
    double readReal(double minv, double maxv, const std::string &variableName = "") {
        double v = readReal();
        if (v < minv || v > maxv) rangeError("Double", vtos(v), vtos(minv), vtos(maxv), variableName);
        return v;
    }
    double readDouble(double minv, double maxv, const std::string &variableName = "") { return readReal(minv, maxv, variableName); }
    std::vector<double> readReals(int size, double minv, double maxv, const std::string &variablesName = "", int indexBase = 1) {
        return readMany<double>(size, indexBase, true, [&]() { return readReal(minv, maxv, variablesName); });
    }
    std::vector<double> readReals(int size, int indexBase = 1) {
        return readMany<double>(size, indexBase, true, [&]() { return readReal(); });
    }
    std::vector<double> readDoubles(int size, double minv, double maxv, const std::string &variablesName = "", int indexBase = 1) {
        return readReals(size, minv, maxv, variablesName, indexBase);
    }
    std::vector<double> readDoubles(int size, int indexBase = 1) { return readReals(size, indexBase); }
    // A double written with a plain decimal point and between minDigits and maxDigits after it.
    double readStrictReal(double minv, double maxv, int minDigits, int maxDigits, const std::string &variableName = "") {
        if (!strict && seekEof()) quit(_unexpected_eof, "Unexpected end of file - strict double expected");
        std::string t = readWord();
        size_t point = t.find('.');
        size_t digitsStart = (!t.empty() && t[0] == '-') ? 1 : 0;
        bool bad = t.empty() || t.size() > 1000 || digitsStart >= t.size();
        for (size_t i = digitsStart; !bad && i < t.size(); i++) bad = i != point && (t[i] < '0' || t[i] > '9');
        if (!bad) bad = point == digitsStart || point == t.size() - 1 || t.find('.', point == std::string::npos ? t.size() : point + 1) != std::string::npos;
        if (!bad) bad = t[digitsStart] == '0' && digitsStart + 1 < t.size() && t[digitsStart + 1] != '.';
        if (bad) quit(_pe, ("Expected strict double, but \"" + __lmlab_part(t) + "\" found").c_str());
        int after = point == std::string::npos ? 0 : int(t.size() - point - 1);
        if (after < minDigits || after > maxDigits)
            quit(_pe, ("Expected strict double with number of digits after point in range [" + vtos(minDigits) + "," + vtos(maxDigits) +
                       "], but \"" + __lmlab_part(t) + "\" found").c_str());
        double v = std::strtod(t.c_str(), NULL);
        if (t[0] == '-' && v >= 0) quit(_pe, ("Redundant minus in \"" + __lmlab_part(t) + "\" found").c_str());
        if (v < minv || v > maxv) rangeError("Strict double", vtos(v), vtos(minv), vtos(maxv), variableName);
        return v;
    }
    double readStrictDouble(double minv, double maxv, int minDigits, int maxDigits, const std::string &variableName = "") {
        return readStrictReal(minv, maxv, minDigits, maxDigits, variableName);
    }

    // -- lines: up to '\n' (a '\r' right before it is dropped); at the end of the file, ""
    void readStringTo(std::string &result) {
        if (!opened) quit(_pe, "Expected line");
        result.clear();
        for (;;) {
            int c = curChar();
            if (c == LF || c == EOFC) break;
            nextChar();
            if (c == CR && curChar() == LF) break;
            result += char(c);
        }
        if (strict) readEoln();
        else if (curChar() == LF) nextChar();
    }
    std::string readString() {
        std::string s;
        readStringTo(s);
        return s;
    }
    std::string readLine() { return readString(); }
    void readLineTo(std::string &result) { readStringTo(result); }
    std::string readString(const pattern &p, const std::string &variableName = "") {
        std::string s = readString();
        checkPattern(s, p, variableName, "Line");
        return s;
    }
    std::string readString(const std::string &ptrn, const std::string &variableName = "") { return readString(pattern(ptrn), variableName); }
    std::string readLine(const pattern &p, const std::string &variableName = "") { return readString(p, variableName); }
    std::string readLine(const std::string &ptrn, const std::string &variableName = "") { return readString(ptrn, variableName); }
    std::vector<std::string> readStrings(int size, int indexBase = 1) {
        return readMany<std::string>(size, indexBase, false, [&]() { return readString(); });
    }
    std::vector<std::string> readLines(int size, int indexBase = 1) { return readStrings(size, indexBase); }
    std::vector<std::string> readLines(int size, const std::string &ptrn, const std::string &variablesName = "", int indexBase = 1) {
        return readMany<std::string>(size, indexBase, false, [&]() { return readString(ptrn, variablesName); });
    }

    // -- verdicts tied to this stream
    NORETURN void quit(TResult result, const char *msg) { __lmlab_quit(this, result, msg); }
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    NORETURN void quitf(TResult result, const char *msg, ...) {
        va_list ap;
        va_start(ap, msg);
        std::string s = __lmlab_vformat(msg, ap);
        va_end(ap);
        __lmlab_quit(this, result, s);
    }
    NORETURN void quits(TResult result, std::string msg) { __lmlab_quit(this, result, msg); }
#ifdef __GNUC__
    __attribute__((format(printf, 4, 5)))
#endif
    void quitif(bool condition, TResult result, const char *msg, ...) {
        if (!condition) return;
        va_list ap;
        va_start(ap, msg);
        std::string s = __lmlab_vformat(msg, ap);
        va_end(ap);
        __lmlab_quit(this, result, s);
    }
#ifdef __GNUC__
    __attribute__((format(printf, 3, 4)))
#endif
    void ensuref(bool cond, const char *fmt, ...) {
        if (cond) return;
        va_list ap;
        va_start(ap, fmt);
        std::string s = __lmlab_vformat(fmt, ap);
        va_end(ap);
        __lmlab_quit(this, _wa, s);
    }
    void __testlib_ensure(bool cond, std::string message) {
        if (!cond) __lmlab_quit(this, _wa, message);
    }
    void close() { opened = false; }

  private:
    std::string data;
    size_t pos = 0;
    std::FILE *file = NULL;
    std::vector<int> pushed;
    int readManyIndex = INT_MIN;

    template <typename T, typename F>
    std::vector<T> readMany(int size, int indexBase, bool spaced, F &&one) {
        if (size < 0) quit(_fail, "readMany: size should be non-negative.");
        std::vector<T> out;
        out.reserve(size_t(size));
        for (int i = 0; i < size; i++) {
            readManyIndex = indexBase + i;
            out.push_back(one());
            if (strict && spaced && i + 1 < size) readSpace();
        }
        readManyIndex = INT_MIN;
        return out;
    }

    NORETURN void rangeError(const std::string &what, const std::string &value, const std::string &lo, const std::string &hi, const std::string &var) {
        std::string range = "[" + lo + ", " + hi + "]";
        if (readManyIndex == INT_MIN) {
            if (var.empty()) quit(_wa, (what + " " + value + " violates the range " + range).c_str());
            quit(_wa, (what + " parameter [name=" + var + "] equals to " + value + ", violates the range " + range).c_str());
        }
        if (var.empty()) quit(_wa, (what + " element [index=" + vtos(readManyIndex) + "] equals to " + value + ", violates the range " + range).c_str());
        quit(_wa, (what + " element " + var + "[" + vtos(readManyIndex) + "] equals to " + value + ", violates the range " + range).c_str());
    }

    void checkPattern(const std::string &s, const pattern &p, const std::string &var, const std::string &what = "Token") {
        if (p.matches(s)) return;
        std::string shown = __lmlab_part(s);
        if (readManyIndex == INT_MIN) {
            if (var.empty()) quit(_wa, (what + " \"" + shown + "\" doesn't correspond to pattern \"" + p.src() + "\"").c_str());
            quit(_wa, (what + " parameter [name=" + var + "] equals to \"" + shown + "\", doesn't correspond to pattern \"" + p.src() + "\"").c_str());
        }
        if (var.empty()) quit(_wa, (what + " element [index=" + vtos(readManyIndex) + "] equals to \"" + shown + "\" doesn't correspond to pattern \"" + p.src() + "\"").c_str());
        quit(_wa, (what + " element " + var + "[" + vtos(readManyIndex) + "] equals to \"" + shown + "\", doesn't correspond to pattern \"" + p.src() + "\"").c_str());
    }

    // An integer: optional '-', digits, no leading zeros, no "-0", within 64 bits; otherwise PE.
    long long toLongLong(const std::string &t) {
        std::string shown = __lmlab_part(t);
        for (char c : t)
            if (c == '\0') quit(_pe, ("Expected integer, but \"" + shown + "\" found (it contains \\0)").c_str());
        bool minus = t.size() > 1 && t[0] == '-';
        size_t start = minus ? 1 : 0;
        bool bad = t.empty() || t.size() > 20;
        for (size_t i = start; !bad && i < t.size(); i++) bad = t[i] < '0' || t[i] > '9';
        if (!bad) bad = (t[start] == '0' && (t.size() - start > 1 || minus));
        long long v = 0;
        if (!bad) {
            errno = 0;
            v = std::strtoll(t.c_str(), NULL, 10);
            bad = errno == ERANGE;
        }
        if (bad) quit(_pe, ("Expected integer, but \"" + shown + "\" found").c_str());
        return v;
    }

    // A double as sscanf reads it, made only of digits, signs, one point and one exponent; not nan.
    double toDouble(const std::string &t) {
        std::string shown = __lmlab_part(t);
        for (char c : t)
            if (c == '\0') quit(_pe, ("Expected double, but \"" + shown + "\" found (it contains \\0)").c_str());
        int minus = 0, plus = 0, points = 0, digits = 0, exps = 0;
        for (char c : t) {
            if (c >= '0' && c <= '9') digits++;
            else if (c == 'e' || c == 'E') exps++;
            else if (c == '-') minus++;
            else if (c == '+') plus++;
            else if (c == '.') points++;
            else quit(_pe, ("Expected double, but \"" + shown + "\" found").c_str());
        }
        if (digits == 0 || minus > 2 || plus > 2 || points > 1 || exps > 1) quit(_pe, ("Expected double, but \"" + shown + "\" found").c_str());
        double v;
        char rest[2] = {0, 0};
        int scanned = std::sscanf(t.c_str(), "%lf%1s", &v, rest);
        if (scanned != 1 || __lmlab_isNaN(v)) quit(_pe, ("Expected double, but \"" + shown + "\" found").c_str());
        return v;
    }
};

static InStream inf;
static InStream ouf;
static InStream ans;
static std::fstream tout;

// The verdict line on stderr and the exit code; for the input and answer streams any verdict
// but FAIL is the jury's fault: FAIL, with the stream's name in parentheses.
NORETURN static void __lmlab_quit(InStream *stream, TResult result, std::string message) {
    message = trim(message);
    if (message.size() > stream->maxMessageLength) {
        std::string warn = "message length exceeds " + vtos(stream->maxMessageLength) + ", the message is truncated: ";
        message = warn + message.substr(0, stream->maxMessageLength - warn.size());
    }
    if (result == _unexpected_eof) result = _pe;
    if (stream->mode != _output && result != _fail) {
        result = _fail;
        message += " (" + stream->name + ")";
    }
    if ((result == _ok || result == _points || result >= _partially) && testlibMode != _interactor && ouf.opened && !ouf.seekEof())
        __lmlab_quit(&ouf, _dirt, "Extra information in the output file");
    const char *prefix = "FAIL ";
    int code = FAIL_EXIT_CODE;
    switch (result) {
        case _ok: prefix = "ok "; code = OK_EXIT_CODE; break;
        case _wa: prefix = "wrong answer "; code = WA_EXIT_CODE; break;
        case _pe: prefix = "wrong output format "; code = PE_EXIT_CODE; break;
        case _dirt: prefix = "wrong output format "; code = PE_EXIT_CODE; break;
        case _points: prefix = "points "; code = POINTS_EXIT_CODE; break;
        case _fail: break;
        default:
            if (result >= _partially) {
                static std::string partial;
                partial = format("partially correct (%d) ", int(result - _partially));
                prefix = partial.c_str();
                code = PC_BASE_EXIT_CODE + (result - _partially);
            }
    }
    std::fprintf(stderr, "%s%s\n", prefix, message.c_str());
    if (tout.is_open()) tout.close();
    std::fflush(stdout);
    std::exit(code);
}

NORETURN inline void quit(TResult result, const std::string &msg) { __lmlab_quit(&ouf, result, msg); }
NORETURN inline void quit(TResult result, const char *msg) { __lmlab_quit(&ouf, result, msg); }
NORETURN inline void quits(TResult result, const std::string &msg) { __lmlab_quit(&ouf, result, msg); }

#ifdef __GNUC__
__attribute__((format(printf, 2, 3)))
#endif
NORETURN inline void quitf(TResult result, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::string s = __lmlab_vformat(fmt, ap);
    va_end(ap);
    __lmlab_quit(&ouf, result, s);
}

#ifdef __GNUC__
__attribute__((format(printf, 3, 4)))
#endif
inline void quitif(bool condition, TResult result, const char *fmt, ...) {
    if (!condition) return;
    va_list ap;
    va_start(ap, fmt);
    std::string s = __lmlab_vformat(fmt, ap);
    va_end(ap);
    __lmlab_quit(&ouf, result, s);
}

static double __lmlab_points_checked(double p) {
    if (__lmlab_isNaN(p)) quit(_fail, "Parameter 'points' can't be nan");
    if (__lmlab_isInfinite(p)) quit(_fail, "Parameter 'points' can't be infinite");
    if (p < -1E-8) quit(_fail, "Parameter 'points' can't be negative");
    if (p <= 0.0) p = +0.0;
    if (p > 1E6 + 1E-8) quit(_fail, "Parameter 'points' can't be greater than 1E6");
    if (p >= 1E6) p = 1E6;
    return p;
}

// Points: "points N message", exit code 7; integers print as integers, doubles without trailing zeros.
template <typename F>
NORETURN void quitp(F points, const std::string &message = "") {
    __lmlab_points = __lmlab_points_checked(double(points));
    std::string shown = std::is_integral<F>::value ? vtos((long long)points) : removeDoubleTrailingZeroes(format("%.10f", __lmlab_points));
    quit(_points, message.empty() ? shown : shown + " " + message);
}

template <typename F>
NORETURN void quitp(F points, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    std::string s = __lmlab_vformat(fmt, ap);
    va_end(ap);
    quitp(points, s);
}

NORETURN inline void quitpi(const std::string &pointsInfo, const std::string &message = "") {
    if (pointsInfo.empty() || pointsInfo.find_first_of(" \t\r\n") != std::string::npos) quit(_fail, "Parameter 'points_info' can't contain spaces");
    quit(_points, message.empty() ? pointsInfo : pointsInfo + " " + message);
}

// ensure/ensuref: a broken assumption of the jury's own code is FAIL.
static inline void __lmlab_ensure(bool cond, const std::string &msg) {
    if (!cond) quit(_fail, msg);
}
#define ensure(cond) __lmlab_ensure((cond), "Condition failed: \"" #cond "\"")
#define ensure_ext(cond) __lmlab_ensure((cond), std::string("Line ") + std::to_string(__LINE__) + ": Condition failed: \"" #cond "\"")

#ifdef __GNUC__
__attribute__((format(printf, 2, 3)))
#endif
inline void ensuref(bool cond, const char *fmt, ...) {
    if (cond) return;
    va_list ap;
    va_start(ap, fmt);
    std::string s = __lmlab_vformat(fmt, ap);
    va_end(ap);
    quit(_fail, s);
}

#ifdef __GNUC__
__attribute__((format(printf, 1, 2)))
#endif
inline void setName(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    __lmlab_checker_name = __lmlab_vformat(fmt, ap);
    va_end(ap);
}

// ---------------------------------------------------------------- registration

static std::vector<std::string> __lmlab_args;

inline void registerTestlibCmd(int argc, char *argv[]) {
    testlibMode = _checker;
    std::vector<std::string> args(1, argv[0]);
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if ((a == "--testset" || a == "--group") && i + 1 < argc) i++;  // Polygon's extra flags: accepted, unused
        else args.push_back(a);
    }
    if (args.size() < 4 || args.size() > 6)
        quit(_fail, std::string("Program must be run with the following arguments: ") +
                        "[--testset testset] [--group group] <input-file> <output-file> <answer-file> [<report-file> [<-appes>]]");
    inf.init(args[1], _input);
    ouf.init(args[2], _output);
    ouf.skipBom();
    ans.init(args[3], _answer);
}

inline void registerTestlib(int argc, ...) {
    std::vector<char *> argv(1, (char *)"checker");
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc; i++) argv.push_back(va_arg(ap, char *));
    va_end(ap);
    registerTestlibCmd(int(argv.size()), argv.data());
}

// Interactor: input file, then the file for tout (what the checker reads), optional answer file;
// the participant's output arrives on stdin (ouf), what it reads goes to stdout.
inline void registerInteraction(int argc, char *argv[]) {
    testlibMode = _interactor;
    if (argc < 3 || argc > 6)
        quit(_fail, std::string("Program must be run with the following arguments: ") +
                        "<input-file> <output-file> [<answer-file> [<report-file> [<-appes>]]]");
    inf.init(argv[1], _input);
    tout.open(argv[2], std::ios_base::out);
    if (tout.fail() || !tout.is_open()) quit(_fail, std::string("Can not write to the test-output-file '") + argv[2] + "'");
    ouf.init(stdin, _output);
    if (argc >= 4) ans.init(argv[3], _answer);
    else ans.name = "unopened answer stream", ans.mode = _answer;
}

// Validator: the test on stdin in strict mode (every space and newline must be where it is read).
inline void registerValidation() {
    testlibMode = _validator;
    inf.init(stdin, _input);
    inf.strict = true;
}
inline void registerValidation(int, char *[]) { registerValidation(); }

// ---------------------------------------------------------------- generators

// A deterministic generator seeded from the command line (the same arguments give the same test).
class random_t {
  public:
    void setSeed(unsigned long long seed) { state = seed ^ 0x9E3779B97F4A7C15ULL; }
    void setSeed(int argc, char *argv[]) {
        unsigned long long h = 1469598103934665603ULL;
        for (int i = 1; i < argc; i++) {
            for (const char *p = argv[i]; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ULL;
            h = (h ^ 0xFF) * 1099511628211ULL;
        }
        setSeed(h);
    }
    unsigned long long nextBits() {
        unsigned long long z = (state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    // Uniform in [0, n) without modulo bias.
    unsigned long long below(unsigned long long n) {
        if (n == 0) quit(_fail, "random_t::next(n): n must be positive");
        unsigned long long limit = ULLONG_MAX - ULLONG_MAX % n;
        unsigned long long x;
        do x = nextBits(); while (x >= limit);
        return x % n;
    }
    int next(int n) {
        if (n <= 0) quit(_fail, "random_t::next(int n): n must be positive");
        return int(below((unsigned long long)n));
    }
    long long next(long long n) {
        if (n <= 0) quit(_fail, "random_t::next(long long n): n must be positive");
        return (long long)below((unsigned long long)n);
    }
    unsigned int next(unsigned int n) { return (unsigned int)below(n); }
    unsigned long long next(unsigned long long n) { return below(n); }
    long next(long n) { return (long)next((long long)n); }
    unsigned long next(unsigned long n) { return (unsigned long)below(n); }
    double next() { return double(nextBits() >> 11) * (1.0 / 9007199254740992.0); }
    double next(double n) { return n * next(); }
    int next(int from, int to) { return int(from + (long long)below((unsigned long long)((long long)to - from + 1))); }
    long long next(long long from, long long to) { return from + (long long)below((unsigned long long)(to - from) + 1); }
    unsigned int next(unsigned int from, unsigned int to) { return from + (unsigned int)below((unsigned long long)(to - from) + 1); }
    unsigned long long next(unsigned long long from, unsigned long long to) { return from + below(to - from + 1); }
    long next(long from, long to) { return (long)next((long long)from, (long long)to); }
    double next(double from, double to) { return from + next(to - from); }
    // A random string matching a pattern (sets and bounded repetitions; * and + repeat up to 20 times).
    std::string next(const std::string &ptrn) { return fromPattern(ptrn); }
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    std::string next(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        std::string s = __lmlab_vformat(fmt, ap);
        va_end(ap);
        return fromPattern(s);
    }
    // wnext(n, t): the max of t+1 draws for t > 0, the min of -t+1 draws for t < 0.
    int wnext(int n, int type) { return int(wnext((long long)n, type)); }
    long long wnext(long long n, int type) {
        long long best = next(n);
        for (int i = 0; i < std::abs(type); i++) {
            long long x = next(n);
            best = type > 0 ? std::max(best, x) : std::min(best, x);
        }
        return best;
    }
    int wnext(int from, int to, int type) { return from + int(wnext((long long)to - from + 1, type)); }
    long long wnext(long long from, long long to, int type) { return from + wnext(to - from + 1, type); }
    double wnext(double n, int type) {
        double best = next(n);
        for (int i = 0; i < std::abs(type); i++) {
            double x = next(n);
            best = type > 0 ? std::max(best, x) : std::min(best, x);
        }
        return best;
    }
    template <typename C>
    typename C::value_type any(const C &c) {
        if (c.empty()) quit(_fail, "random_t::any(c): c is empty");
        auto it = c.begin();
        std::advance(it, (long long)below((unsigned long long)c.size()));
        return *it;
    }
    template <typename I>
    typename std::iterator_traits<I>::value_type any(const I &begin, const I &end) {
        long long n = (long long)std::distance(begin, end);
        if (n <= 0) quit(_fail, "random_t::any(begin, end): empty range");
        I it = begin;
        std::advance(it, (long long)below((unsigned long long)n));
        return *it;
    }
    template <typename I>
    void shuffle(I begin, I end) {
        long long n = (long long)(end - begin);
        for (long long i = n - 1; i > 0; i--) std::iter_swap(begin + i, begin + (long long)below((unsigned long long)i + 1));
    }
    template <typename T>
    std::vector<T> perm(T size, T first = 0) {
        std::vector<T> p(size_t(size > 0 ? size : 0));
        for (size_t i = 0; i < p.size(); i++) p[i] = T(first + T(i));
        shuffle(p.begin(), p.end());
        return p;
    }
    std::vector<int> distinct(int size, int from, int to) {
        if ((long long)to - from + 1 < size) quit(_fail, "random_t::distinct: not enough values");
        std::set<int> seen;
        std::vector<int> out;
        while ((int)out.size() < size) {
            int x = next(from, to);
            if (seen.insert(x).second) out.push_back(x);
        }
        return out;
    }
    std::vector<int> distinct(int size, int upper) { return distinct(size, 0, upper - 1); }
    std::vector<int> partition(int size, int sum, int minPart = 1) {
        if (size <= 0 || (long long)size * minPart > sum) quit(_fail, "random_t::partition: impossible");
        std::vector<int> cuts;
        int free = sum - size * minPart;
        for (int i = 0; i < size - 1; i++) cuts.push_back(next(0, free));
        std::sort(cuts.begin(), cuts.end());
        std::vector<int> out;
        int prev = 0;
        for (int c : cuts) out.push_back(c - prev + minPart), prev = c;
        out.push_back(free - prev + minPart);
        return out;
    }

  private:
    unsigned long long state = 3905348978240129619ULL;

    std::string fromPattern(const std::string &p) {
        std::string out;
        size_t i = 0;
        while (i < p.size()) {
            std::vector<char> choices;
            if (p[i] == '[') {
                size_t j = i + 1;
                bool negate = j < p.size() && p[j] == '^';
                if (negate) j++;
                std::vector<bool> in(256, false);
                while (j < p.size() && p[j] != ']') {
                    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
                        for (int c = (unsigned char)p[j]; c <= (unsigned char)p[j + 2]; c++) in[c] = true;
                        j += 3;
                    } else in[(unsigned char)p[j++]] = true;
                }
                for (int c = 32; c < 127; c++)
                    if (in[c] != negate) choices.push_back(char(c));
                i = j + 1;
            } else {
                if (p[i] == '\\' && i + 1 < p.size()) i++;
                choices.push_back(p[i++]);
            }
            int lo = 1, hi = 1;
            if (i < p.size() && p[i] == '{') {
                size_t close = p.find('}', i);
                std::string inside = p.substr(i + 1, close - i - 1);
                size_t comma = inside.find(',');
                lo = std::atoi(inside.substr(0, comma).c_str());
                hi = comma == std::string::npos ? lo : std::atoi(inside.substr(comma + 1).c_str());
                i = close + 1;
            } else if (i < p.size() && (p[i] == '*' || p[i] == '+' || p[i] == '?')) {
                lo = p[i] == '+' ? 1 : 0;
                hi = p[i] == '?' ? 1 : 20;
                i++;
            }
            if (choices.empty()) quit(_fail, "random_t::next(pattern): empty character set");
            int count = next(lo, hi);
            for (int k = 0; k < count; k++) out += choices[size_t(next(int(choices.size())))];
        }
        return out;
    }
};

static random_t rnd;

template <typename I>
void shuffle(I begin, I end) { rnd.shuffle(begin, end); }

inline void registerGen(int argc, char *argv[], int = 1) {
    testlibMode = _generator;
    __lmlab_args.assign(argv, argv + argc);
    rnd.setSeed(argc, argv);
}

// opt(): generator arguments by position (1-based) or by name (-name=value, --name=value, -name value).
static bool __lmlab_find_opt(const std::string &key, std::string &value) {
    for (size_t i = 1; i < __lmlab_args.size(); i++) {
        std::string a = __lmlab_args[i];
        size_t dashes = a.rfind("--", 0) == 0 ? 2 : a.rfind("-", 0) == 0 ? 1 : 0;
        if (dashes == 0) continue;
        std::string body = a.substr(dashes);
        size_t eq = body.find('=');
        if (eq != std::string::npos && body.substr(0, eq) == key) return value = body.substr(eq + 1), true;
        if (body == key) {
            value = i + 1 < __lmlab_args.size() ? __lmlab_args[i + 1] : "true";
            return true;
        }
    }
    return false;
}

template <typename T>
static T __lmlab_parse_opt(const std::string &s) {
    if constexpr (std::is_same<T, std::string>::value) return s;
    else if constexpr (std::is_same<T, bool>::value) return s == "true" || s == "1";
    else if constexpr (std::is_integral<T>::value) {
        char *end = NULL;
        long double v = std::strtold(s.c_str(), &end);  // accepts 1e5 as well
        if (end == s.c_str() || *end) quit(_fail, "Opts: expected an integer, found '" + s + "'");
        return T(v);
    } else {
        char *end = NULL;
        long double v = std::strtold(s.c_str(), &end);
        if (end == s.c_str() || *end) quit(_fail, "Opts: expected a number, found '" + s + "'");
        return T(v);
    }
}

template <typename T = std::string>
T opt(int index) {
    if (index < 0 || size_t(index) >= __lmlab_args.size()) quit(_fail, "Opts: index " + vtos(index) + " is out of range");
    return __lmlab_parse_opt<T>(__lmlab_args[size_t(index)]);
}

template <typename T = std::string>
T opt(const std::string &key) {
    std::string v;
    if (!__lmlab_find_opt(key, v)) quit(_fail, "Opts: unknown key '" + key + "'");
    return __lmlab_parse_opt<T>(v);
}

template <typename T>
T opt(const std::string &key, const T &defaultValue) {
    std::string v;
    return __lmlab_find_opt(key, v) ? __lmlab_parse_opt<T>(v) : defaultValue;
}

inline std::string opt(const std::string &key, const char *defaultValue) {
    std::string v;
    return __lmlab_find_opt(key, v) ? v : std::string(defaultValue);
}

inline bool has_opt(const std::string &key) {
    std::string v;
    return __lmlab_find_opt(key, v);
}

// println: values separated by spaces, a newline at the end.
template <typename T>
void __lmlab_print_one(const T &x) {
    if constexpr (std::is_same<T, std::string>::value || std::is_convertible<T, const char *>::value) std::cout << x;
    else if constexpr (std::is_floating_point<T>::value) std::cout << format("%.12f", double(x));
    else std::cout << x;
}
template <typename T>
void __lmlab_print_item(const T &x) {
    if constexpr (!std::is_same<T, std::string>::value && !std::is_convertible<T, const char *>::value &&
                  !std::is_arithmetic<T>::value) {
        bool first = true;
        for (const auto &v : x) {
            if (!first) std::cout << ' ';
            first = false;
            __lmlab_print_one(v);
        }
    } else __lmlab_print_one(x);
}
inline void println() { std::cout << '\n'; }
template <typename T, typename... Rest>
void println(const T &first, const Rest &...rest) {
    __lmlab_print_item(first);
    ((std::cout << ' ', __lmlab_print_item(rest)), ...);
    std::cout << '\n';
}

#endif
