// The legacy NAME.conf tokenizer: sh(1) quoting rules for assignments, no evaluation.
#include "config/legacy/shell_vars.hpp"

#include <algorithm>
#include <cerrno>

#include "base/strings.hpp"

namespace vs::config::legacy {

namespace {

// Typographic stand-ins for '"' found in printed copies of such files: an opening and a
// closing spelling each.
struct QuotePair {
    std::string_view open, close;
};
constexpr QuotePair kTypographic[] = {
    {">>", ">>"},
    {"\xC2\xAB", "\xC2\xBB"},          // « »
    {"\xE2\x80\x9C", "\xE2\x80\x9D"},  // “ ”
    {"\xC2\xBB", "\xC2\xBB"},          // » used on both sides
};

bool name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9'); }
bool blank(char c) { return c == ' ' || c == '\t'; }

class Parser {
public:
    Parser(std::string_view t, std::string_view file) : t_(t), file_(file) {}

    Result<std::vector<Assignment>> run() {
        // sh cannot hold a NUL in a variable, and a file with one is not the text it claims
        // to be: refused, naming its line, before anything is read as an assignment.
        if (auto nul = t_.find('\0'); nul != std::string_view::npos) {
            auto line = 1 + std::count(t_.begin(), t_.begin() + static_cast<long>(nul), '\n');
            return make_error(EINVAL, "{}:{}: a NUL byte: not a text file", file_, line);
        }
        std::vector<Assignment> out;
        while (pos_ < t_.size()) {
            skip_blanks();
            if (at_end_of_line()) {
                next_line();
                continue;
            }
            if (t_[pos_] == '#') {
                skip_to_eol();
                continue;
            }
            int start_line = line_;
            std::string name = VS_TRY(read_name());
            std::string value = VS_TRY(read_value(name));
            VS_TRY(finish_line(name));
            std::erase_if(out, [&](const Assignment& a) { return a.name == name; });
            out.push_back({std::move(name), std::move(value), start_line});
        }
        return out;
    }

private:
    Error bad(std::string_view what, std::string_view text) const {
        return make_error(EINVAL, "{}:{}: {} {}", file_, line_, what, str::quote(text));
    }
    std::string_view rest_of_line() const {
        auto e = t_.find('\n', pos_);
        return t_.substr(pos_, e == std::string_view::npos ? std::string_view::npos : e - pos_);
    }
    bool at_end_of_line() const { return pos_ >= t_.size() || t_[pos_] == '\n'; }
    void next_line() {
        if (pos_ < t_.size()) ++pos_;
        ++line_;
    }
    void skip_blanks() {
        while (pos_ < t_.size() && (blank(t_[pos_]) || t_[pos_] == '\r')) ++pos_;
    }
    void skip_to_eol() {
        while (!at_end_of_line()) ++pos_;
    }
    bool looking_at(std::string_view s) const { return t_.substr(pos_, s.size()) == s; }

    Result<std::string> read_name() {
        if (looking_at("export") && pos_ + 6 < t_.size() && blank(t_[pos_ + 6])) {
            pos_ += 6;
            skip_blanks();
        }
        size_t b = pos_;
        if (pos_ < t_.size() && name_start(t_[pos_]))
            while (pos_ < t_.size() && name_char(t_[pos_])) ++pos_;
        if (pos_ == b || pos_ >= t_.size() || t_[pos_] != '=') {
            pos_ = b;
            return bad("not a VAR=VALUE assignment (the file is read, never run):", rest_of_line());
        }
        std::string name(t_.substr(b, pos_ - b));
        ++pos_;  // '='
        return name;
    }

    // What sh would have to expand or run: refused, never guessed.
    Status refuse_expansion(const std::string& name, char c) {
        if (c == '$' || c == '`')
            return bad(fmt::format("{}: needs the shell to expand it (never done here; write the "
                                   "value out):",
                                   name),
                       rest_of_line());
        return ok();
    }

    // Inside "..." (or a typographic stand-in ending at `close`): backslash escapes only \ " $
    // ` and a newline (sh(1) "Double Quotes"); the text may span lines.
    Status read_double(const std::string& name, std::string_view close, std::string& v) {
        while (true) {
            if (pos_ >= t_.size()) return bad(fmt::format("{}: unterminated quote in", name), v);
            if (looking_at(close)) {
                pos_ += close.size();
                return ok();
            }
            char c = t_[pos_];
            VS_TRY(refuse_expansion(name, c));
            if (c == '\\' && pos_ + 1 < t_.size()) {
                char n = t_[pos_ + 1];
                if (n == '\n') {
                    pos_ += 2;
                    ++line_;
                    continue;
                }
                if (n == '\\' || n == '"' || n == '$' || n == '`') {
                    v += n;
                    pos_ += 2;
                    continue;
                }
            }
            if (c == '\n') ++line_;
            v += c;
            ++pos_;
        }
    }

    Result<std::string> read_value(const std::string& name) {
        std::string v;
        while (pos_ < t_.size()) {
            char c = t_[pos_];
            if (c == '\n' || blank(c) || c == '\r') break;
            bool typographic = false;
            for (const auto& q : kTypographic) {
                if (looking_at(q.open)) {
                    pos_ += q.open.size();
                    VS_TRY(read_double(name, q.close, v));
                    typographic = true;
                    break;
                }
            }
            if (typographic) continue;
            if (c == '"') {
                ++pos_;
                VS_TRY(read_double(name, "\"", v));
            } else if (c == '\'') {
                auto e = t_.find('\'', pos_ + 1);
                if (e == std::string_view::npos)
                    return bad(fmt::format("{}: unterminated quote in", name), rest_of_line());
                for (size_t i = pos_ + 1; i < e; ++i)
                    if (t_[i] == '\n') ++line_;
                v.append(t_.substr(pos_ + 1, e - pos_ - 1));
                pos_ = e + 1;
            } else if (c == '\\') {
                if (pos_ + 1 >= t_.size()) {
                    ++pos_;
                    break;
                }
                if (t_[pos_ + 1] == '\n') {
                    ++line_;
                } else {
                    v += t_[pos_ + 1];
                }
                pos_ += 2;
            } else if (c == '$' || c == '`') {
                VS_TRY(refuse_expansion(name, c));
            } else if (c == ';' || c == '&' || c == '|' || c == '<' || c == '>' || c == '(' ||
                       c == ')') {
                return bad(fmt::format("{}: shell syntax not read here (quote the value):", name),
                           rest_of_line());
            } else {
                v += c;
                ++pos_;
            }
        }
        return v;
    }

    // After the value: blanks, then a comment or the end of the line. "A=b c" would run c.
    Status finish_line(const std::string& name) {
        skip_blanks();
        if (at_end_of_line()) {
            next_line();
            return ok();
        }
        if (t_[pos_] == '#') {
            skip_to_eol();
            next_line();
            return ok();
        }
        return bad(fmt::format("{}: unquoted blank in the value (sh would run the rest as a "
                               "command):",
                               name),
                   rest_of_line());
    }

    std::string_view t_, file_;
    size_t pos_ = 0;
    int line_ = 1;
};

}  // namespace

Result<std::vector<Assignment>> parse_shell_vars(std::string_view text, std::string_view file) {
    return Parser(text, file).run();
}

}  // namespace vs::config::legacy
