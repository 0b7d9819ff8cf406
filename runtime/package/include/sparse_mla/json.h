//===- json.h - small JSON reader and writer -------------------*- C++ -*-===//
//
// A self-contained JSON (RFC 8259) value, parser and writer for the kernel
// package manifest and the tools around it. No exceptions, no locale: numbers
// are read and written with std::from_chars / std::to_chars, so a program
// that calls setlocale() still reads and writes '.' as the decimal point.
//
// Limits: nesting depth 128 (deeper input is refused, not a stack overflow);
// duplicate object keys are refused; strings must be valid UTF-8 after
// unescaping surrogate pairs; integers that fit int64 are kept exactly.
//
//===----------------------------------------------------------------------===//

#ifndef SPARSE_MLA_JSON_H
#define SPARSE_MLA_JSON_H

#include <cstdint>
#include <string>
#include <vector>

namespace sparse_mla {
namespace json {

/// One JSON value. Objects keep their members in insertion order.
class Value {
public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  Value() = default;
  static Value null() { return Value(); }
  static Value boolean(bool b);
  /// A number written as an integer (no fraction, no exponent).
  static Value integer(int64_t i);
  /// A floating-point number. Non-finite values are written as null.
  static Value number(double d);
  /// A single-precision number: written with the fewest digits that read
  /// back (as a float) to exactly \p f, e.g. 0.041666668.
  static Value float32(float f);
  static Value string(std::string s);
  static Value array();
  static Value object();

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::Null; }
  bool isBool() const { return kind_ == Kind::Bool; }
  bool isNumber() const { return kind_ == Kind::Number; }
  /// A number that was written as an integer and fits int64.
  bool isInteger() const { return kind_ == Kind::Number && isInt_; }
  /// A number made by float32() (affects writing only).
  bool isFloat32() const { return kind_ == Kind::Number && isFloat32_; }
  bool isString() const { return kind_ == Kind::String; }
  bool isArray() const { return kind_ == Kind::Array; }
  bool isObject() const { return kind_ == Kind::Object; }

  bool asBool() const { return bool_; }
  /// The value of a number (an integer converted to double).
  double asDouble() const { return isInt_ ? static_cast<double>(int_) : num_; }
  /// The value of an integer; 0 if !isInteger().
  int64_t asInt64() const { return isInt_ ? int_ : 0; }
  const std::string &asString() const { return str_; }

  /// Array elements (empty unless an array).
  const std::vector<Value> &items() const { return items_; }
  /// Appends to an array.
  void push(Value v) { items_.push_back(std::move(v)); }

  /// Object member names and values, in order (empty unless an object).
  const std::vector<std::string> &keys() const { return keys_; }
  const std::vector<Value> &values() const { return items_; }
  /// The member named \p key, or nullptr.
  const Value *find(const std::string &key) const;
  /// Sets member \p key (replacing an existing one).
  void set(const std::string &key, Value v);

  /// Human name of a kind ("null", "bool", ...).
  static const char *kindName(Kind k);

private:
  Kind kind_ = Kind::Null;
  bool bool_ = false;
  bool isInt_ = false;
  bool isFloat32_ = false;
  int64_t int_ = 0;
  double num_ = 0.0;
  std::string str_;
  std::vector<std::string> keys_; // objects
  std::vector<Value> items_;      // array elements or object values
};

/// Parses \p text (one JSON value, surrounded by optional white space).
/// On failure returns false and sets \p err to "line L, column C: what".
bool parse(const std::string &text, Value &out, std::string &err);

/// Writes \p v. With indent >= 0, pretty-prints with that many spaces per
/// level (arrays of scalars stay on one line); with indent < 0, compact.
std::string write(const Value &v, int indent = 2);

/// Writes \p s as a quoted JSON string (with escapes).
std::string quote(const std::string &s);

/// Shortest decimal text that reads back as exactly \p d ("null" if not
/// finite).
std::string formatDouble(double d);
/// Shortest decimal text that reads back (as a float) as exactly \p f.
std::string formatFloat(float f);

} // namespace json
} // namespace sparse_mla

#endif // SPARSE_MLA_JSON_H
