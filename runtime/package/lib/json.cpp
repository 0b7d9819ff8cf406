//===- json.cpp - small JSON reader and writer ----------------------------===//
//
// See json.h.
//
//===----------------------------------------------------------------------===//

#include "sparse_mla/json.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace sparse_mla {
namespace json {

//===----------------------------------------------------------------------===//
// Value
//===----------------------------------------------------------------------===//

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::Bool;
  v.bool_ = b;
  return v;
}

Value Value::integer(int64_t i) {
  Value v;
  v.kind_ = Kind::Number;
  v.isInt_ = true;
  v.int_ = i;
  v.num_ = static_cast<double>(i);
  return v;
}

Value Value::number(double d) {
  Value v;
  v.kind_ = Kind::Number;
  v.num_ = d;
  return v;
}

Value Value::float32(float f) {
  Value v = number(static_cast<double>(f));
  v.isFloat32_ = true;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::String;
  v.str_ = std::move(s);
  return v;
}

Value Value::array() {
  Value v;
  v.kind_ = Kind::Array;
  return v;
}

Value Value::object() {
  Value v;
  v.kind_ = Kind::Object;
  return v;
}

const Value *Value::find(const std::string &key) const {
  for (size_t i = 0; i < keys_.size(); ++i)
    if (keys_[i] == key)
      return &items_[i];
  return nullptr;
}

void Value::set(const std::string &key, Value v) {
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) {
      items_[i] = std::move(v);
      return;
    }
  }
  keys_.push_back(key);
  items_.push_back(std::move(v));
}

const char *Value::kindName(Kind k) {
  switch (k) {
  case Kind::Null:
    return "null";
  case Kind::Bool:
    return "bool";
  case Kind::Number:
    return "number";
  case Kind::String:
    return "string";
  case Kind::Array:
    return "array";
  case Kind::Object:
    return "object";
  }
  return "?";
}

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

namespace {

constexpr int kMaxDepth = 128;

class Parser {
public:
  explicit Parser(const std::string &text) : text_(text) {}

  bool parseDocument(Value &out, std::string &err) {
    skipSpace();
    if (!parseValue(out, 0))
      return report(err);
    skipSpace();
    if (pos_ != text_.size()) {
      fail("unexpected text after the JSON value");
      return report(err);
    }
    return true;
  }

private:
  const std::string &text_;
  size_t pos_ = 0;
  std::string msg_;
  size_t errPos_ = 0;

  bool report(std::string &err) {
    size_t line = 1, col = 1;
    for (size_t i = 0; i < errPos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    char buf[64];
    std::snprintf(buf, sizeof(buf), "line %zu, column %zu: ", line, col);
    err = buf + msg_;
    return false;
  }

  bool fail(const std::string &msg) {
    if (msg_.empty()) {
      msg_ = msg;
      errPos_ = pos_;
    }
    return false;
  }

  bool atEnd() const { return pos_ >= text_.size(); }
  char peek() const { return atEnd() ? '\0' : text_[pos_]; }

  void skipSpace() {
    while (!atEnd()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
        ++pos_;
      else
        break;
    }
  }

  std::string describeHere() const {
    if (atEnd())
      return "end of input";
    unsigned char c = static_cast<unsigned char>(text_[pos_]);
    char buf[32];
    if (c >= 0x20 && c < 0x7F)
      std::snprintf(buf, sizeof(buf), "'%c'", c);
    else
      std::snprintf(buf, sizeof(buf), "byte 0x%02X", c);
    return buf;
  }

  bool expectLiteral(const char *lit) {
    size_t n = std::strlen(lit);
    if (text_.compare(pos_, n, lit) != 0)
      return fail(std::string("expected '") + lit + "'");
    pos_ += n;
    return true;
  }

  bool parseValue(Value &out, int depth) {
    if (depth > kMaxDepth)
      return fail("nesting deeper than 128 levels");
    char c = peek();
    switch (c) {
    case '{':
      return parseObject(out, depth);
    case '[':
      return parseArray(out, depth);
    case '"': {
      std::string s;
      if (!parseString(s))
        return false;
      out = Value::string(std::move(s));
      return true;
    }
    case 't':
      if (!expectLiteral("true"))
        return false;
      out = Value::boolean(true);
      return true;
    case 'f':
      if (!expectLiteral("false"))
        return false;
      out = Value::boolean(false);
      return true;
    case 'n':
      if (!expectLiteral("null"))
        return false;
      out = Value::null();
      return true;
    default:
      if (c == '-' || (c >= '0' && c <= '9'))
        return parseNumber(out);
      return fail("expected a JSON value, found " + describeHere());
    }
  }

  bool parseObject(Value &out, int depth) {
    ++pos_; // '{'
    out = Value::object();
    skipSpace();
    if (peek() == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      skipSpace();
      if (peek() != '"')
        return fail("expected a member name (a string), found " +
                    describeHere());
      size_t keyPos = pos_;
      std::string key;
      if (!parseString(key))
        return false;
      if (out.find(key)) {
        pos_ = keyPos;
        return fail("duplicate member \"" + key + "\"");
      }
      skipSpace();
      if (peek() != ':')
        return fail("expected ':' after member name, found " + describeHere());
      ++pos_;
      skipSpace();
      Value v;
      if (!parseValue(v, depth + 1))
        return false;
      out.set(key, std::move(v));
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == '}') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or '}' in object, found " + describeHere());
    }
  }

  bool parseArray(Value &out, int depth) {
    ++pos_; // '['
    out = Value::array();
    skipSpace();
    if (peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      skipSpace();
      Value v;
      if (!parseValue(v, depth + 1))
        return false;
      out.push(std::move(v));
      skipSpace();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() == ']') {
        ++pos_;
        return true;
      }
      return fail("expected ',' or ']' in array, found " + describeHere());
    }
  }

  static void appendUtf8(std::string &s, uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool parseHex4(uint32_t &cp) {
    if (pos_ + 4 > text_.size())
      return fail("truncated \\u escape");
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text_[pos_++];
      cp <<= 4;
      if (c >= '0' && c <= '9')
        cp |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        cp |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        cp |= static_cast<uint32_t>(c - 'A' + 10);
      else {
        --pos_;
        return fail("bad hex digit in \\u escape");
      }
    }
    return true;
  }

  /// Validates one UTF-8 sequence starting at pos_ and appends it.
  bool copyUtf8(std::string &s) {
    unsigned char c0 = static_cast<unsigned char>(text_[pos_]);
    int extra;
    uint32_t cp;
    if (c0 >= 0xC2 && c0 <= 0xDF) {
      extra = 1;
      cp = c0 & 0x1F;
    } else if (c0 >= 0xE0 && c0 <= 0xEF) {
      extra = 2;
      cp = c0 & 0x0F;
    } else if (c0 >= 0xF0 && c0 <= 0xF4) {
      extra = 3;
      cp = c0 & 0x07;
    } else {
      return fail("invalid UTF-8 in string");
    }
    if (pos_ + static_cast<size_t>(extra) >= text_.size())
      return fail("truncated UTF-8 sequence in string");
    for (int i = 1; i <= extra; ++i) {
      unsigned char c = static_cast<unsigned char>(text_[pos_ + i]);
      if ((c & 0xC0) != 0x80)
        return fail("invalid UTF-8 in string");
      cp = (cp << 6) | (c & 0x3F);
    }
    if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return fail("invalid UTF-8 in string");
    s.append(text_, pos_, static_cast<size_t>(extra) + 1);
    pos_ += static_cast<size_t>(extra) + 1;
    return true;
  }

  bool parseString(std::string &s) {
    ++pos_; // opening quote
    while (true) {
      if (atEnd())
        return fail("unterminated string");
      unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20)
        return fail("control character in string (must be escaped)");
      if (c >= 0x80) {
        if (!copyUtf8(s))
          return false;
        continue;
      }
      if (c != '\\') {
        s += static_cast<char>(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (atEnd())
        return fail("unterminated escape");
      char e = text_[pos_++];
      switch (e) {
      case '"':
        s += '"';
        break;
      case '\\':
        s += '\\';
        break;
      case '/':
        s += '/';
        break;
      case 'b':
        s += '\b';
        break;
      case 'f':
        s += '\f';
        break;
      case 'n':
        s += '\n';
        break;
      case 'r':
        s += '\r';
        break;
      case 't':
        s += '\t';
        break;
      case 'u': {
        uint32_t cp;
        if (!parseHex4(cp))
          return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          return fail("unpaired low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          if (text_.compare(pos_, 2, "\\u") != 0)
            return fail("unpaired high surrogate in \\u escape");
          pos_ += 2;
          uint32_t lo;
          if (!parseHex4(lo))
            return false;
          if (lo < 0xDC00 || lo > 0xDFFF)
            return fail("high surrogate not followed by a low surrogate");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        appendUtf8(s, cp);
        break;
      }
      default:
        --pos_;
        return fail("invalid escape '\\" + std::string(1, e) + "'");
      }
    }
  }

  bool parseNumber(Value &out) {
    size_t start = pos_;
    bool isInt = true;
    if (peek() == '-')
      ++pos_;
    if (peek() == '0') {
      ++pos_;
    } else if (peek() >= '1' && peek() <= '9') {
      while (peek() >= '0' && peek() <= '9')
        ++pos_;
    } else {
      return fail("expected a digit in number");
    }
    if (peek() == '.') {
      isInt = false;
      ++pos_;
      if (!(peek() >= '0' && peek() <= '9'))
        return fail("expected a digit after '.' in number");
      while (peek() >= '0' && peek() <= '9')
        ++pos_;
    }
    if (peek() == 'e' || peek() == 'E') {
      isInt = false;
      ++pos_;
      if (peek() == '+' || peek() == '-')
        ++pos_;
      if (!(peek() >= '0' && peek() <= '9'))
        return fail("expected a digit in exponent");
      while (peek() >= '0' && peek() <= '9')
        ++pos_;
    }
    const char *first = text_.data() + start;
    const char *last = text_.data() + pos_;
    if (isInt) {
      int64_t i = 0;
      auto res = std::from_chars(first, last, i);
      if (res.ec == std::errc() && res.ptr == last) {
        out = Value::integer(i);
        return true;
      }
      // Too large for int64: keep it as a double.
    }
    double d = 0.0;
    auto res = std::from_chars(first, last, d);
    if (res.ptr != last || (res.ec != std::errc() &&
                            res.ec != std::errc::result_out_of_range)) {
      pos_ = start;
      return fail("malformed number");
    }
    if (res.ec == std::errc::result_out_of_range) {
      pos_ = start;
      return fail("number out of the range of a double");
    }
    out = Value::number(d);
    return true;
  }
};

} // namespace

bool parse(const std::string &text, Value &out, std::string &err) {
  Parser p(text);
  Value v;
  if (!p.parseDocument(v, err))
    return false;
  out = std::move(v);
  return true;
}

//===----------------------------------------------------------------------===//
// Writer
//===----------------------------------------------------------------------===//

std::string quote(const std::string &s) {
  std::string r;
  r.reserve(s.size() + 2);
  r += '"';
  for (unsigned char c : s) {
    switch (c) {
    case '"':
      r += "\\\"";
      break;
    case '\\':
      r += "\\\\";
      break;
    case '\b':
      r += "\\b";
      break;
    case '\f':
      r += "\\f";
      break;
    case '\n':
      r += "\\n";
      break;
    case '\r':
      r += "\\r";
      break;
    case '\t':
      r += "\\t";
      break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04X", c);
        r += buf;
      } else {
        r += static_cast<char>(c);
      }
    }
  }
  r += '"';
  return r;
}

std::string formatDouble(double d) {
  if (!std::isfinite(d))
    return "null";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d);
  std::string s(buf, res.ptr);
  // A double written as "3" would read back as an integer; keep it a
  // floating-point number so the kind survives a round trip.
  if (s.find_first_of(".eEn") == std::string::npos)
    s += ".0";
  return s;
}

std::string formatFloat(float f) {
  if (!std::isfinite(f))
    return "null";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), f);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".eEn") == std::string::npos)
    s += ".0";
  return s;
}

static bool isScalar(const Value &v) {
  return !v.isArray() && !v.isObject();
}

static void writeValue(const Value &v, int indent, int level,
                       std::string &out) {
  auto newline = [&](int lvl) {
    if (indent < 0)
      return;
    out += '\n';
    out.append(static_cast<size_t>(indent * lvl), ' ');
  };
  switch (v.kind()) {
  case Value::Kind::Null:
    out += "null";
    return;
  case Value::Kind::Bool:
    out += v.asBool() ? "true" : "false";
    return;
  case Value::Kind::Number:
    if (v.isInteger())
      out += std::to_string(v.asInt64());
    else if (v.isFloat32())
      out += formatFloat(static_cast<float>(v.asDouble()));
    else
      out += formatDouble(v.asDouble());
    return;
  case Value::Kind::String:
    out += quote(v.asString());
    return;
  case Value::Kind::Array: {
    const auto &items = v.items();
    if (items.empty()) {
      out += "[]";
      return;
    }
    bool flat = true;
    for (const Value &e : items)
      flat = flat && isScalar(e);
    out += '[';
    for (size_t i = 0; i < items.size(); ++i) {
      if (i)
        out += (flat && indent >= 0) ? ", " : ",";
      if (!flat)
        newline(level + 1);
      writeValue(items[i], indent, level + 1, out);
    }
    if (!flat)
      newline(level);
    out += ']';
    return;
  }
  case Value::Kind::Object: {
    const auto &keys = v.keys();
    const auto &vals = v.values();
    if (keys.empty()) {
      out += "{}";
      return;
    }
    out += '{';
    for (size_t i = 0; i < keys.size(); ++i) {
      if (i)
        out += ',';
      newline(level + 1);
      out += quote(keys[i]);
      out += indent >= 0 ? ": " : ":";
      writeValue(vals[i], indent, level + 1, out);
    }
    newline(level);
    out += '}';
    return;
  }
  }
}

std::string write(const Value &v, int indent) {
  std::string out;
  writeValue(v, indent, 0, out);
  return out;
}

} // namespace json
} // namespace sparse_mla
