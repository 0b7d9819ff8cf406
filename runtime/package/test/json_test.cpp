//===- json_test.cpp - unit tests of the small JSON library ---------------===//

#include "sparse_mla/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

using sparse_mla::json::Value;
namespace json = sparse_mla::json;

namespace {

Value parseOk(const std::string &text) {
  Value v;
  std::string err;
  EXPECT_TRUE(json::parse(text, v, err)) << text << ": " << err;
  return v;
}

std::string parseErr(const std::string &text) {
  Value v;
  std::string err;
  EXPECT_FALSE(json::parse(text, v, err)) << "accepted: " << text;
  return err;
}

TEST(Json, Scalars) {
  EXPECT_TRUE(parseOk("null").isNull());
  EXPECT_TRUE(parseOk(" true ").asBool());
  EXPECT_FALSE(parseOk("false").asBool());
  Value i = parseOk("-42");
  ASSERT_TRUE(i.isInteger());
  EXPECT_EQ(i.asInt64(), -42);
  Value big = parseOk("9223372036854775807");
  ASSERT_TRUE(big.isInteger());
  EXPECT_EQ(big.asInt64(), std::numeric_limits<int64_t>::max());
  Value tooBig = parseOk("9223372036854775808");
  EXPECT_TRUE(tooBig.isNumber());
  EXPECT_FALSE(tooBig.isInteger());
  EXPECT_DOUBLE_EQ(tooBig.asDouble(), 9223372036854775808.0);
  Value d = parseOk("0.041666668");
  EXPECT_FALSE(d.isInteger());
  EXPECT_EQ(static_cast<float>(d.asDouble()), 0.041666668f);
  EXPECT_DOUBLE_EQ(parseOk("1e3").asDouble(), 1000.0);
  EXPECT_FALSE(parseOk("1e3").isInteger());
  EXPECT_DOUBLE_EQ(parseOk("-2.5E-1").asDouble(), -0.25);
}

TEST(Json, Strings) {
  EXPECT_EQ(parseOk(R"("a\"b\\c\/d\n\t")").asString(), "a\"b\\c/d\n\t");
  EXPECT_EQ(parseOk(R"("\u00e9")").asString(), "\xC3\xA9");
  EXPECT_EQ(parseOk(R"("\ud83d\ude00")").asString(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(parseOk("\"\xC3\xA9\"").asString(), "\xC3\xA9");
  EXPECT_NE(parseErr(R"("\ud83d")").find("surrogate"), std::string::npos);
  EXPECT_NE(parseErr(R"("\ude00")").find("surrogate"), std::string::npos);
  EXPECT_NE(parseErr("\"a\nb\"").find("control character"),
            std::string::npos);
  EXPECT_NE(parseErr("\"\xFF\"").find("UTF-8"), std::string::npos);
  EXPECT_NE(parseErr("\"\xC3\"").find("UTF-8"), std::string::npos);
  EXPECT_NE(parseErr("\"\xE0\x80\x80\"").find("UTF-8"), std::string::npos);
  EXPECT_NE(parseErr(R"("\x")").find("invalid escape"), std::string::npos);
  EXPECT_NE(parseErr("\"abc").find("unterminated"), std::string::npos);
}

TEST(Json, Containers) {
  Value v = parseOk(R"({"a": [1, 2, {"b": null}], "c": {}, "d": []})");
  ASSERT_TRUE(v.isObject());
  ASSERT_EQ(v.keys().size(), 3u);
  EXPECT_EQ(v.keys()[0], "a");
  const Value *a = v.find("a");
  ASSERT_TRUE(a && a->isArray());
  EXPECT_EQ(a->items().size(), 3u);
  EXPECT_TRUE(a->items()[2].find("b")->isNull());
  EXPECT_TRUE(v.find("c")->isObject());
  EXPECT_EQ(v.find("missing"), nullptr);
}

TEST(Json, Errors) {
  EXPECT_NE(parseErr("").find("expected a JSON value"), std::string::npos);
  EXPECT_NE(parseErr("{\"a\": 1,}").find("member name"), std::string::npos);
  EXPECT_NE(parseErr("[1 2]").find("expected ',' or ']'"), std::string::npos);
  EXPECT_NE(parseErr("{\"a\" 1}").find("expected ':'"), std::string::npos);
  EXPECT_NE(parseErr("{\"a\": 1, \"a\": 2}").find("duplicate member \"a\""),
            std::string::npos);
  EXPECT_NE(parseErr("01").find("unexpected text"), std::string::npos);
  EXPECT_NE(parseErr("1.").find("digit after '.'"), std::string::npos);
  EXPECT_NE(parseErr("-").find("digit"), std::string::npos);
  EXPECT_NE(parseErr("1e").find("exponent"), std::string::npos);
  EXPECT_NE(parseErr("1e999").find("out of the range"), std::string::npos);
  EXPECT_NE(parseErr("tru").find("expected 'true'"), std::string::npos);
  EXPECT_NE(parseErr("NaN").find("expected a JSON value"), std::string::npos);
  EXPECT_NE(parseErr("[1] x").find("unexpected text"), std::string::npos);
  // Line and column of the error.
  EXPECT_EQ(parseErr("{\n  \"a\": x\n}").rfind("line 2, column 8: ", 0), 0u);
}

TEST(Json, DepthLimit) {
  std::string ok(100, '['), okClose(100, ']');
  parseOk(ok + okClose);
  std::string deep(100000, '[');
  EXPECT_NE(parseErr(deep).find("nesting deeper than 128"), std::string::npos);
}

TEST(Json, WriteRoundTrip) {
  Value o = Value::object();
  o.set("s", Value::string("q\"\\\n\x01 \xC3\xA9"));
  o.set("i", Value::integer(std::numeric_limits<int64_t>::min()));
  o.set("d", Value::number(0.1));
  o.set("f", Value::number(static_cast<double>(1.0f / 24.0f)));
  o.set("whole", Value::number(3.0));
  o.set("inf", Value::number(std::numeric_limits<double>::infinity()));
  o.set("b", Value::boolean(true));
  o.set("n", Value::null());
  Value arr = Value::array();
  arr.push(Value::integer(1));
  arr.push(Value::object());
  o.set("a", arr);
  o.set("s", Value::string("replaced \x01"));
  for (int indent : {-1, 0, 2}) {
    std::string text = json::write(o, indent);
    Value back = parseOk(text);
    EXPECT_EQ(json::write(back, indent), text);
    EXPECT_EQ(back.find("s")->asString(), "replaced \x01");
    EXPECT_EQ(back.find("i")->asInt64(), std::numeric_limits<int64_t>::min());
    EXPECT_EQ(back.find("d")->asDouble(), 0.1);
    EXPECT_EQ(back.find("f")->asDouble(),
              static_cast<double>(1.0f / 24.0f));
    EXPECT_FALSE(back.find("whole")->isInteger());
    EXPECT_EQ(back.find("whole")->asDouble(), 3.0);
    EXPECT_TRUE(back.find("inf")->isNull());
  }
  EXPECT_EQ(json::write(o, -1).find('\n'), std::string::npos);
  EXPECT_EQ(json::formatDouble(0.5), "0.5");
  EXPECT_EQ(json::formatDouble(std::nan("")), "null");
}

} // namespace
