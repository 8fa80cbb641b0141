// KeeperRotate::json (sdk/json): value semantics and round trips of every type, member order, the refusals of strict
// RFC 8259 (each with its byte offset, and no part of the input in any message), numbers kept as their literal
// text, escapes and lone surrogates, the depth limit, and zeroing where it can be observed without undefined
// behaviour (wipe(), and the object representation of live values that were moved from or assigned over).
#include <keeper_rotate/json.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <doctest/doctest.h>

namespace json = keeper_rotate::json;
using json::Array;
using json::Object;
using json::ParseError;
using json::ParseLimits;
using json::Type;
using json::TypeError;
using json::Value;

namespace {

// Every refused input that holds a string holds this marker: no error message may repeat it.
constexpr std::string_view kSecret = "S3cr3t";

/// parse(input) must fail at `offset` with a message "at byte <offset>: ..." containing `fragment` and no input.
void refuses(std::string_view input, std::size_t offset, std::string_view fragment, const ParseLimits& limits = {}) {
  INFO("input: ", std::string(input));
  try {
    (void)json::parse(input, limits);
    FAIL_CHECK("accepted");
  } catch (const ParseError& e) {
    const std::string what = e.what();
    INFO("message: ", what);
    CHECK(e.offset() == offset);
    CHECK(what.rfind("at byte " + std::to_string(offset) + ": ", 0) == 0);
    CHECK(what.find(fragment) != std::string::npos);
    CHECK(what.find(kSecret) == std::string::npos);
  }
}

/// parse then stringify gives `text` back byte for byte (for compact input).
void roundTrips(std::string_view text) {
  INFO("text: ", std::string(text));
  CHECK(json::stringify(json::parse(text)) == text);
}

std::string typeErrorOf(void (*access)()) {
  try {
    access();
  } catch (const TypeError& e) {
    return e.what();
  }
  return "(no TypeError)";
}

/// True when the bytes of `object` (its object representation, read while it is alive) contain `needle`.
template <class T>
bool representationContains(const T& object, std::string_view needle) {
  const std::string_view bytes(reinterpret_cast<const char*>(&object), sizeof(T));
  return bytes.find(needle) != std::string_view::npos;
}

}  // namespace

TEST_CASE("value semantics: moves are noexcept and no pointer or char becomes a value") {
  static_assert(std::is_nothrow_move_constructible_v<Value>);
  static_assert(std::is_nothrow_move_assignable_v<Value>);
  static_assert(std::is_nothrow_move_constructible_v<Array>);
  static_assert(std::is_nothrow_move_constructible_v<Object>);
  static_assert(std::is_nothrow_move_assignable_v<Object>);
  static_assert(std::is_nothrow_move_constructible_v<json::Member>);
  static_assert(!std::is_copy_assignable_v<json::Member>);
  static_assert(!std::is_constructible_v<Value, const int*>);
  static_assert(!std::is_constructible_v<Value, const std::string*>);
  static_assert(!std::is_constructible_v<Value, char>);
  static_assert(std::is_constructible_v<Value, std::int64_t>);
  CHECK(Value(5).isNumber());
}

TEST_CASE("construction: every type, its name and its accessor") {
  CHECK(Value().isNull());
  CHECK(Value(nullptr).isNull());
  CHECK(Value().typeName() == std::string_view("null"));
  CHECK(Value(true).isBool());
  CHECK(Value(true).boolean());
  CHECK_FALSE(Value(false).boolean());
  CHECK(Value(false).typeName() == std::string_view("boolean"));
  CHECK(Value(5).numberText() == "5");
  CHECK(Value(std::int64_t{-5}).numberText() == "-5");
  CHECK(Value(5L).numberText() == "5");
  CHECK(Value(5LL).numberText() == "5");
  CHECK(Value(5u).numberText() == "5");
  CHECK(Value(std::uint64_t{18446744073709551615u}).numberText() == "18446744073709551615");
  CHECK(Value(std::numeric_limits<std::int64_t>::min()).numberText() == "-9223372036854775808");
  CHECK(Value(2.5).typeName() == std::string_view("number"));
  CHECK(Value("text").isString());  // a const char* is a string, never a bool
  CHECK(Value("text").string() == "text");
  char buffer[] = "mutable";
  CHECK(Value(buffer).string() == "mutable");
  CHECK(Value(std::string("owned")).string() == "owned");
  CHECK(Value(std::string_view("view")).string() == "view");
  CHECK(Value("").string().empty());
  CHECK(Value("x").typeName() == std::string_view("string"));
  CHECK(Value(Array{1, "two"}).array().size() == 2);
  CHECK(Value(Array{}).typeName() == std::string_view("array"));
  CHECK(Value(Object{{"a", 1}}).object().size() == 1);
  CHECK(Value(Object{}).typeName() == std::string_view("object"));
  CHECK_THROWS_AS(Value(static_cast<const char*>(nullptr)), std::invalid_argument);
  CHECK(json::typeName(Type::Object) == std::string_view("object"));
  CHECK(Value(Object{}).type() == Type::Object);
}

TEST_CASE("round trip of every type, compact text unchanged") {
  for (const char* text : {"null", "true", "false", "0", "-1", "1.5", "\"\"", "\"text\"", "[]", "{}", "[null]",
                           "[1,\"a\",true,false,null,[],{}]", "{\"a\":{\"b\":[{\"c\":null}]}}",
                           "[[[[\"deep\"]]]]", "{\"\":\"empty key\"}"})
    roundTrips(text);
  const Value v = json::parse(R"({"s":"x","n":-2.5e-3,"t":true,"f":false,"z":null,"a":[1,[2]],"o":{"k":"v"}})");
  CHECK(v.object().find("s")->string() == "x");
  CHECK(v.object().find("n")->numberText() == "-2.5e-3");
  CHECK(v.object().find("t")->boolean());
  CHECK_FALSE(v.object().find("f")->boolean());
  CHECK(v.object().find("z")->isNull());
  CHECK(v.object().find("a")->array()[1].array()[0].int64() == 2);
  CHECK(*v.object().findObject("o")->findString("k") == "v");
}

TEST_CASE("key order is kept through parse, set and stringify") {
  Value v = json::parse(R"({"zeta":1,"alpha":2,"mid":3})");
  CHECK(json::stringify(v) == R"({"zeta":1,"alpha":2,"mid":3})");
  Object& o = v.object();
  o.set("alpha", "replaced");
  CHECK(json::stringify(v) == R"({"zeta":1,"alpha":"replaced","mid":3})");
  o.set("new", Array{true});
  CHECK(json::stringify(v) == R"({"zeta":1,"alpha":"replaced","mid":3,"new":[true]})");
  std::string keys;
  for (const auto& [key, value] : o) keys += key + ",";
  CHECK(keys == "zeta,alpha,mid,new,");
  Object built;
  built.set("b", 1);
  built.set("a", 2);
  built.set("c", 3);
  CHECK(json::stringify(built) == R"({"b":1,"a":2,"c":3})");
}

TEST_CASE("set replaces in place and returns the stored value") {
  Object o{{"login", "admin"}, {"password", "old"}, {"url", "https://example.com"}};
  Value& stored = o.set("password", "new");
  CHECK(o.size() == 3);
  CHECK(stored.string() == "new");
  stored = Value("newer");
  CHECK(*o.findString("password") == "newer");
  CHECK(json::stringify(Value(o)) == R"({"login":"admin","password":"newer","url":"https://example.com"})");
  Value& added = o.set("totp", Value());
  CHECK(added.isNull());
  CHECK(o.size() == 4);
  // A different type in place of the old one.
  o.set("login", Object{{"nested", true}});
  CHECK(o.begin()->key() == "login");
  CHECK(o.findObject("login") != nullptr);
}

TEST_CASE("erase: object members by key, array elements by index, order kept") {
  Value v = json::parse(R"({"a":1,"b":2,"c":3,"d":4})");
  Object& o = v.object();
  CHECK(o.erase("b"));
  CHECK_FALSE(o.erase("b"));
  CHECK_FALSE(o.erase("missing"));
  CHECK(json::stringify(v) == R"({"a":1,"c":3,"d":4})");
  CHECK(o.erase("d"));
  CHECK(o.erase("a"));
  CHECK(json::stringify(v) == R"({"c":3})");
  CHECK(o.erase("c"));
  CHECK(o.empty());
  CHECK(json::stringify(v) == "{}");

  Array a{0, 1, 2, 3};
  a.erase(1);
  CHECK(json::stringify(Value(a)) == "[0,2,3]");
  a.insert(0, "first");
  a.insert(a.size(), "last");
  a.insert(2, nullptr);
  CHECK(json::stringify(Value(a)) == R"(["first",0,null,2,3,"last"])");
  CHECK_THROWS_AS(a.erase(6), std::out_of_range);
  CHECK_THROWS_AS(a.insert(7, 1), std::out_of_range);
  CHECK_THROWS_AS(a.at(6), std::out_of_range);
  CHECK(a.at(5).string() == "last");
  CHECK(a.push_back(Array{}).isArray());
  CHECK(a.size() == 7);
  a.clear();
  CHECK(a.empty());
}

TEST_CASE("copies are deep and independent") {
  const Value original = json::parse(R"({"user":{"name":"a","keys":["k1","k2"]},"n":1})");
  Value copy = original;
  copy.object().findObject("user")->set("name", "changed");
  copy.object().findObject("user")->findArray("keys")->push_back("k3");
  copy.object().findObject("user")->findArray("keys")->operator[](0).string() = "K1";
  CHECK(json::stringify(original) == R"({"user":{"name":"a","keys":["k1","k2"]},"n":1})");
  CHECK(json::stringify(copy) == R"({"user":{"name":"changed","keys":["K1","k2","k3"]},"n":1})");
  Value assigned;
  assigned = original;
  CHECK(assigned == original);
  assigned.object().erase("n");
  CHECK(original.object().has("n"));
  Object objectCopy = original.object();
  objectCopy.clear();
  CHECK(original.object().size() == 2);
}

TEST_CASE("moves leave the source null, assignment from a part of itself works") {
  Value source = json::parse(R"(["a",{"b":"c"}])");
  Value moved = std::move(source);
  CHECK(source.isNull());  // NOLINT(bugprone-use-after-move): documented state
  CHECK(moved.array().size() == 2);
  Value target;
  target = std::move(moved);
  CHECK(moved.isNull());  // NOLINT(bugprone-use-after-move)
  // A value assigned a part of itself: the part is taken before the old content goes.
  target = target.array()[1];
  CHECK(json::stringify(target) == R"({"b":"c"})");
  target = std::move(*target.object().find("b"));
  CHECK(target.string() == "c");
  Value& same = target;
  target = same;
  CHECK(target.string() == "c");
  target = std::move(same);
  CHECK(target.string() == "c");
  Object o{{"inner", Object{{"x", 1}}}};
  o = std::move(*o.findObject("inner"));
  CHECK(json::stringify(Value(o)) == R"({"x":1})");
  Object p{{"inner", Object{{"y", 2}}}};
  p = *p.findObject("inner");
  CHECK(json::stringify(Value(p)) == R"({"y":2})");
}

TEST_CASE("iteration binds (key, value) with a read-only key and a mutable value") {
  Value v = json::parse(R"({"a":1,"b":2})");
  for (auto& [key, value] : v.object()) {
    static_assert(std::is_const_v<std::remove_reference_t<decltype(key)>>);
    value = Value(key + "!");
  }
  CHECK(json::stringify(v) == R"({"a":"a!","b":"b!"})");
  for (auto& member : v.object()) member.value() = Value(member.key().size());
  CHECK(json::stringify(v) == R"({"a":1,"b":1})");
  const Value& constant = v;
  std::size_t count = 0;
  for (const auto& [key, value] : constant.object()) count += key.size() + static_cast<std::size_t>(value.int64());
  CHECK(count == 4);
}

TEST_CASE("object lookups: find, has and the typed finders") {
  Value v = json::parse(R"({"s":"x","o":{},"a":[],"n":1,"z":null})");
  Object& o = v.object();
  const Object& c = o;
  CHECK(o.has("s"));
  CHECK_FALSE(o.has("S"));
  CHECK(c.find("missing") == nullptr);
  CHECK(c.find("z")->isNull());
  CHECK(*c.findString("s") == "x");
  CHECK(c.findString("n") == nullptr);
  CHECK(c.findString("missing") == nullptr);
  CHECK(c.findObject("o") != nullptr);
  CHECK(c.findObject("a") == nullptr);
  CHECK(c.findArray("a") != nullptr);
  CHECK(c.findArray("o") == nullptr);
  CHECK(c.findArray("missing") == nullptr);
  o.findArray("a")->push_back(1);
  o.findObject("o")->set("k", "v");
  o.find("n")->operator=(Value(2));
  CHECK(json::stringify(v) == R"({"s":"x","o":{"k":"v"},"a":[1],"n":2,"z":null})");
  CHECK_THROWS_AS((Object{{"k", 1}, {"k", 2}}), std::invalid_argument);
}

TEST_CASE("refused: trailing commas, comments, single quotes, NaN and Infinity, extra values") {
  refuses(R"({"p":"S3cr3t",})", 14, "expected a string key");
  refuses(R"(["S3cr3t",])", 10, "expected a value");
  refuses("[,]", 1, "expected a value");
  refuses(R"({,})", 1, "expected a string key or '}'");
  refuses(R"({"p":"S3cr3t"} // S3cr3t)", 15, "expected the end of the input");
  refuses(R"(/* S3cr3t */ {"p":1})", 0, "expected a value");
  refuses(R"({"p": /* S3cr3t */ 1})", 6, "expected a value");
  refuses(R"({'p':'S3cr3t'})", 1, "expected a string key or '}'");
  refuses(R"(['S3cr3t'])", 1, "expected a value");
  refuses("[NaN]", 1, "expected a value");
  refuses("[Infinity]", 1, "expected a value");
  refuses("[-Infinity]", 2, "expected a digit");
  refuses("+1", 0, "expected a value");
  refuses(R"({"a":"S3cr3t"}{"b":1})", 14, "expected the end of the input");
  refuses("1 2", 2, "expected the end of the input");
  refuses("0x1F", 1, "expected the end of the input");
  refuses("undefined", 0, "expected a value");
}

TEST_CASE("refused: leading zeros and broken numbers") {
  refuses("[01]", 2, "leading zeros");
  refuses("-01", 2, "leading zeros");
  refuses("00", 1, "leading zeros");
  refuses("1.", 2, "expected a digit after the decimal point");
  refuses("1.e5", 2, "expected a digit after the decimal point");
  refuses(".5", 0, "expected a value");
  refuses("1e", 2, "expected a digit in the exponent");
  refuses("1e+", 3, "expected a digit in the exponent");
  refuses("[1E-]", 4, "expected a digit in the exponent");
  refuses("-", 1, "expected a digit");
  refuses("- 1", 1, "expected a digit");
  refuses("1.5.2", 3, "expected the end of the input");
}

TEST_CASE("refused: misspelt literals") {
  refuses("tru", 0, "expected true");
  refuses("True", 0, "expected a value");
  refuses("nul", 0, "expected null");
  refuses("[fals]", 1, "expected false");
  refuses("[falsey]", 6, "expected ',' or ']'");
  refuses("nullnull", 4, "expected the end of the input");
}

TEST_CASE("refused: structure, with what was expected") {
  refuses("", 0, "expected a value");
  refuses("   ", 3, "expected a value");
  refuses("[", 1, "expected a value");
  refuses("{", 1, "expected a string key or '}'");
  refuses(R"({"S3cr3t")", 9, "expected ':'");
  refuses(R"({"a" 1})", 5, "expected ':'");
  refuses(R"({"a":})", 5, "expected a value");
  refuses(R"({"a":1 "b":2})", 7, "expected ',' or '}'");
  refuses(R"({"a":"S3cr3t")", 13, "expected ',' or '}'");
  refuses(R"({"a":1])", 6, "expected ',' or '}'");
  refuses("[1 2]", 3, "expected ',' or ']'");
  refuses("[1}", 2, "expected ',' or ']'");
  refuses("[1", 2, "expected ',' or ']'");
  refuses("{1:2}", 1, "expected a string key or '}'");
  refuses("]", 0, "expected a value");
}

TEST_CASE("refused: white space other than space, tab, line feed and carriage return") {
  refuses("\f1", 0, "expected a value");
  refuses("1\v", 1, "expected the end of the input");
  refuses("\xEF\xBB\xBF{}", 0, "expected a value");  // a byte order mark
  refuses("[1,\xC2\xA0" "2]", 3, "expected a value");  // a no-break space
}

TEST_CASE("refused: control characters, bad escapes and unclosed strings") {
  refuses("\"S3cr3t\x01\"", 7, "control character");
  refuses("\"a\tb\"", 2, "control character");
  refuses("\"S3cr3t\nnext line\"", 7, "control character");
  refuses(std::string_view("\"S3cr3t\0\"", 9), 7, "control character");
  refuses(R"("S3cr3t\x")", 7, "invalid escape");
  refuses(R"("\'")", 1, "invalid escape");
  refuses(R"("S3cr3t\u12")", 7, "four hex digits after \\u");
  refuses(R"("\u12G4")", 1, "four hex digits");
  refuses(R"("\U0041")", 1, "invalid escape");
  refuses(R"("S3cr3t)", 7, "the string is not closed");
  refuses(R"({"S3cr3t)", 8, "the string is not closed");
  refuses(R"(["S3cr3t\")", 10, "the string is not closed");
  refuses(R"("S3cr3t\)", 7, "invalid escape");
}

TEST_CASE("refused: invalid UTF-8 in strings, at the start of the bad sequence") {
  refuses("\"S3cr3t\xC0\xAF\"", 7, "invalid UTF-8");           // overlong '/'
  refuses("\"\xC1\xBF\"", 1, "invalid UTF-8");                 // overlong
  refuses("\"\xE0\x80\xAF\"", 1, "invalid UTF-8");             // overlong 3 bytes
  refuses("\"\xF0\x80\x80\xAF\"", 1, "invalid UTF-8");         // overlong 4 bytes
  refuses("\"S3cr3t\xED\xA0\x80\"", 7, "invalid UTF-8");       // U+D800 encoded raw
  refuses("\"\xED\xBF\xBF\"", 1, "invalid UTF-8");             // U+DFFF encoded raw
  refuses("\"\xF4\x90\x80\x80\"", 1, "invalid UTF-8");         // U+110000
  refuses("\"\xF5\x80\x80\x80\"", 1, "invalid UTF-8");
  refuses("\"\xFF\"", 1, "invalid UTF-8");
  refuses("\"ab\x80\"", 3, "invalid UTF-8");                   // continuation without a lead
  refuses("\"\xE2\x82\"", 1, "invalid UTF-8");                 // cut short
  refuses("\"\xE2\x82", 1, "invalid UTF-8");                   // cut short by the end
  refuses("\"\xC3\"", 1, "invalid UTF-8");
  refuses("{\"k\xC3\x28\":1}", 3, "invalid UTF-8");            // in a key
  refuses("\xC3\xA9", 0, "expected a value");                  // outside a string
}

TEST_CASE("refused: duplicate keys, at the repeated key, without its text") {
  const std::string record = R"({"user":"a","password":"S3cr3t","password":"S3cr3t2"})";
  refuses(record, 32, "duplicate key");
  try {
    (void)json::parse(record);
  } catch (const ParseError& e) {
    CHECK(std::string(e.what()) == "at byte 32: duplicate key");
  }
  refuses(R"({"a":1,"\u0061":2})", 7, "duplicate key");  // equal once decoded
  refuses(R"({"x":{"a":1,"b":2,"a":3}})", 18, "duplicate key");
  refuses(R"([{"a":1},{"a":2,"a":3}])", 16, "duplicate key");
  // Large objects take another path (sorting); the first repeat in input order is reported.
  std::string big = "{";
  for (int i = 0; i < 40; ++i) big += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  const std::size_t firstRepeat = big.size();
  big += R"("k7":0,"k3":0,"k7":1})";
  refuses(big, firstRepeat, "duplicate key");
  // Equal keys in different objects, and keys that differ only in case, are fine.
  CHECK_NOTHROW(json::parse(R"({"a":{"a":1},"b":{"a":2},"A":3})"));
}

TEST_CASE("large objects with unique keys parse and compare") {
  std::string text = "{";
  for (int i = 0; i < 20000; ++i) text += (i ? ",\"" : "\"") + std::to_string(i * 7919 % 20000) + "\":" + std::to_string(i);
  text += "}";
  const Value v = json::parse(text);
  CHECK(v.object().size() == 20000);
  CHECK(json::stringify(v) == text);
  Value reordered = Object{};
  for (auto it = v.object().end(); it != v.object().begin();) {
    --it;
    reordered.object().set(it->key(), it->value());
  }
  CHECK(reordered == v);
  reordered.object().set("0", "changed");
  CHECK(reordered != v);
}

TEST_CASE("white space around and between tokens is accepted, trailing padding too") {
  const Value v = json::parse(" \t\r\n{ \"a\" :\n[ 1 ,\t2 ] , \"b\" : { } }\r\n");
  CHECK(json::stringify(v) == R"({"a":[1,2],"b":{}})");
  // Decrypted KSM records are padded with spaces.
  std::string padded = R"({"title":"t","fields":[]})";
  padded.append(1000, ' ');
  CHECK(json::stringify(json::parse(padded)) == R"({"title":"t","fields":[]})");
  CHECK(json::parse("1 ").numberText() == "1");
  CHECK(json::parse("\"s\"\n").string() == "s");
}

TEST_CASE("numbers keep their literal text") {
  roundTrips("[1.0,-0,1E+2,1e3,12345678901234567890,0.000001,-1.5e-10,1E-2,0e0,123456789012345678901234567890.5]");
  const Value v = json::parse("[1.0, -0, 1E+2, 12345678901234567890]");
  CHECK(v.array()[0].numberText() == "1.0");
  CHECK(v.array()[1].numberText() == "-0");
  CHECK(v.array()[2].numberText() == "1E+2");
  CHECK(v.array()[3].numberText() == "12345678901234567890");
  CHECK(v.array()[0].number() == 1.0);
  CHECK(v.array()[2].number() == 100.0);
  CHECK(std::signbit(v.array()[1].number()));
  CHECK(v.array()[3].number() == doctest::Approx(1.2345678901234567e19));
  // Equality is by text: the same quantity written differently is another number.
  CHECK(json::parse("1") != json::parse("1.0"));
  CHECK(json::parse("1e3") == json::parse("1e3"));
}

TEST_CASE("numbers from integers and doubles, and numberFromText") {
  CHECK(Value(0).numberText() == "0");
  CHECK(Value(-42).numberText() == "-42");
  CHECK(Value(0.1).numberText() == "0.1");
  CHECK(Value(5.0).numberText() == "5");
  CHECK(Value(-0.0).numberText() == "-0");
  CHECK(Value(1e21).numberText() == "1e+21");
  CHECK(Value(1.5e-7).numberText() == "1.5e-07");
  CHECK(Value(0.1).number() == 0.1);
  CHECK(Value(std::numeric_limits<double>::max()).number() == std::numeric_limits<double>::max());
  CHECK(Value(std::numeric_limits<double>::denorm_min()).number() == std::numeric_limits<double>::denorm_min());
  CHECK_THROWS_AS(Value(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
  CHECK_THROWS_AS(Value(std::numeric_limits<double>::infinity()), std::invalid_argument);
  CHECK_THROWS_AS(Value(-std::numeric_limits<double>::infinity()), std::invalid_argument);
  // What to_chars writes is JSON that parses back to the same text.
  for (double d : {0.1, 1e21, 1.5e-7, -2.2250738585072014e-308, 123456789.125})
    CHECK(json::parse(json::stringify(Value(d))).number() == d);

  CHECK(Value::numberFromText("-1.5e3").numberText() == "-1.5e3");
  CHECK(Value::numberFromText("0").int64() == 0);
  const auto refusedText = [](std::string text, std::size_t offset) {
    INFO("text: ", text);
    try {
      (void)Value::numberFromText(std::move(text));
      FAIL_CHECK("accepted");
    } catch (const ParseError& e) {
      CHECK(e.offset() == offset);
    }
  };
  refusedText("", 0);
  refusedText(" 1", 0);
  refusedText("1 ", 1);
  refusedText("+1", 0);
  refusedText("01", 1);
  refusedText("1.5.2", 3);
  refusedText("1e", 2);
  refusedText("NaN", 0);
}

TEST_CASE("out of the double range: infinity above it, zero below it") {
  CHECK(json::parse("1e400").number() == std::numeric_limits<double>::infinity());
  CHECK(json::parse("-1e400").number() == -std::numeric_limits<double>::infinity());
  CHECK(json::parse("123456789e99999999999999999999").number() == std::numeric_limits<double>::infinity());
  CHECK(json::parse("1e-400").number() == 0.0);
  CHECK(std::signbit(json::parse("-1e-400").number()));
  CHECK(json::parse("0.0000001e-400").number() == 0.0);
  CHECK(json::parse("0e99999").number() == 0.0);
  CHECK(json::parse("1e400").numberText() == "1e400");  // the text is kept whatever the double
}

TEST_CASE("int64 is exact within its range and refuses anything else") {
  CHECK(json::parse("9223372036854775807").int64() == std::numeric_limits<std::int64_t>::max());
  CHECK(json::parse("-9223372036854775808").int64() == std::numeric_limits<std::int64_t>::min());
  CHECK(json::parse("-0").int64() == 0);
  CHECK(json::parse("1700000000000").int64() == 1700000000000);
  CHECK(Value(std::numeric_limits<std::int64_t>::max()).int64() == std::numeric_limits<std::int64_t>::max());
  for (const char* text : {"9223372036854775808", "-9223372036854775809", "12345678901234567890"}) {
    INFO(text);
    try {
      (void)json::parse(text).int64();
      FAIL_CHECK("accepted");
    } catch (const TypeError& e) {
      CHECK(std::string(e.what()) == "expected an integer in the 64-bit range, found a number outside it");
    }
  }
  for (const char* text : {"1.5", "1.0", "1e3", "1E0"}) {
    INFO(text);
    try {
      (void)json::parse(text).int64();
      FAIL_CHECK("accepted");
    } catch (const TypeError& e) {
      CHECK(std::string(e.what()) == "expected an integer, found a number with a fraction or an exponent");
    }
  }
  CHECK_THROWS_WITH_AS(Value("12").int64(), "expected an integer, found a string", TypeError);
}

TEST_CASE("type errors name the types, never the value") {
  CHECK(typeErrorOf([] { (void)Value(5).string(); }) == "expected a string, found a number");
  CHECK(typeErrorOf([] { (void)Value("S3cr3t").number(); }) == "expected a number, found a string");
  CHECK(typeErrorOf([] { (void)Value("S3cr3t").boolean(); }) == "expected a boolean, found a string");
  CHECK(typeErrorOf([] { (void)Value("S3cr3t").numberText(); }) == "expected a number, found a string");
  CHECK(typeErrorOf([] { (void)Value(Array{}).object(); }) == "expected an object, found an array");
  CHECK(typeErrorOf([] { (void)Value().array(); }) == "expected an array, found null");
  CHECK(typeErrorOf([] { (void)Value(true).int64(); }) == "expected an integer, found a boolean");
  CHECK(typeErrorOf([] { (void)Value(Object{}).string(); }) == "expected a string, found an object");
  const Value constant(Object{});
  CHECK_THROWS_AS((void)constant.array(), TypeError);
  CHECK_NOTHROW((void)constant.object());
  Value mutableString("abc");
  mutableString.string() += "d";
  CHECK(mutableString.string() == "abcd");
  static_assert(std::is_base_of_v<std::runtime_error, TypeError>);
  static_assert(std::is_base_of_v<std::runtime_error, ParseError>);
}

TEST_CASE("text gives strings, number literals and booleans as text, nothing for the rest") {
  CHECK(json::text(Value("abc")) == "abc");
  CHECK(json::text(json::parse("1.50")) == "1.50");
  CHECK(json::text(Value(180)) == "180");
  CHECK(json::text(Value(true)) == "true");
  CHECK(json::text(Value(false)) == "false");
  CHECK_FALSE(json::text(Value()).has_value());
  CHECK_FALSE(json::text(Value(Array{"a"})).has_value());
  CHECK_FALSE(json::text(Value(Object{{"a", "b"}})).has_value());
}

TEST_CASE("escapes decode to UTF-8, surrogate pairs combine") {
  CHECK(json::parse(R"("\"\\\/\b\f\n\r\t")").string() == "\"\\/\b\f\n\r\t");
  CHECK(json::parse(R"("\u0041\u00e9\u20AC")").string() == "A\xC3\xA9\xE2\x82\xAC");
  CHECK(json::parse(R"("\ud83d\ude00")").string() == "\xF0\x9F\x98\x80");
  CHECK(json::parse(R"("\uD83D\uDE00")").string() == "\xF0\x9F\x98\x80");
  CHECK(json::parse(R"("\udbff\udfff")").string() == "\xF4\x8F\xBF\xBF");  // U+10FFFF
  const Value nul = json::parse(R"("a\u0000b")");
  CHECK(nul.string() == std::string("a\0b", 3));
  CHECK(json::stringify(nul) == R"("a\u0000b")");
  // Escaped on output as JSON.stringify does: '/' and DEL as they are, lower-case hex.
  CHECK(json::stringify(Value("\"\\/\b\f\n\r\t\x01\x1f\x7f")) == "\"\\\"\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
  CHECK(json::stringify(json::parse(R"("\u00e9\/")")) == "\"\xC3\xA9/\"");
  roundTrips(R"({"k\n\"":"v\t\\"})");
}

TEST_CASE("lone escaped surrogates are kept and written back as the same escape") {
  const Value high = json::parse(R"("\ud800")");
  CHECK(high.string() == "\xED\xA0\x80");  // WTF-8
  CHECK(json::stringify(high) == R"("\ud800")");
  for (const char* text : {R"("\udc00")", R"("x\ud800y")", R"("\udbff")", R"("\udfff")", R"("\udc00\ud800")",
                           R"("\ud800\ud800")", R"({"\ud800":"\udc00"})"})
    roundTrips(text);
  CHECK(json::stringify(json::parse(R"("\ud800\u0041")")) == R"("\ud800A")");  // only the surrogate stays escaped
  // A high surrogate followed by a pair: lone high, then the combined character.
  const Value mixed = json::parse(R"("\ud800\ud83d\ude00")");
  CHECK(mixed.string() == "\xED\xA0\x80\xF0\x9F\x98\x80");
  CHECK(json::stringify(mixed) == "\"\\ud800\xF0\x9F\x98\x80\"");
  // Upper-case escapes come back lower case, as JSON.stringify writes them.
  CHECK(json::stringify(json::parse(R"("\uDBFF")")) == R"("\udbff")");
  // A high surrogate followed by a broken escape: the escape is refused.
  refuses(R"("\ud800\u12")", 7, "four hex digits");
}

TEST_CASE("raw UTF-8 passes through unchanged") {
  const std::string text = "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xE0\xA0\x80 \xEF\xBF\xBF\"";
  const Value v = json::parse(text);
  CHECK(v.string() == text.substr(1, text.size() - 2));
  CHECK(json::stringify(v) == text);
  roundTrips("{\"\xE5\xAF\x86\xE7\xA0\x81\":\"\xD0\xBF\xD0\xB0\xD1\x80\xD0\xBE\xD0\xBB\xD1\x8C\"}");
}

TEST_CASE("stringify refuses strings that are not UTF-8 and writes nothing then") {
  std::string out = "prefix";
  CHECK_THROWS_AS(json::stringifyTo(out, Value(Array{"ok", std::string("\xC0\xAF")})), std::invalid_argument);
  CHECK(out == "prefix");
  Object badKey;
  badKey.set(std::string("\xFF"), 1);
  CHECK_THROWS_AS(json::stringify(Value(badKey)), std::invalid_argument);
  CHECK_THROWS_AS(json::stringify(Value(std::string("\xE2\x82"))), std::invalid_argument);
  // A WTF-8 lone surrogate set by code is written as its escape, like a parsed one.
  CHECK(json::stringify(Value(std::string("\xED\xB0\x80"))) == R"("\udc00")");
}

TEST_CASE("stringifyTo appends, growing the output as needed") {
  std::string out = "[";
  json::stringifyTo(out, Value("first"));
  out += ",";
  json::stringifyTo(out, json::parse(R"({"a":[1,2,3]})"));
  out += "]";
  CHECK(out == R"(["first",{"a":[1,2,3]}])");
  std::string big;
  for (int i = 0; i < 200; ++i) {
    json::stringifyTo(big, Value(std::string(static_cast<std::size_t>(i), 'x')));
    big += ',';
  }
  std::size_t expected = 0;
  for (int i = 0; i < 200; ++i) expected += static_cast<std::size_t>(i) + 3;
  CHECK(big.size() == expected);
  CHECK(big.compare(0, 7, "\"\",\"x\",") == 0);
  std::string reserved;
  reserved.reserve(100);
  const char* before = reserved.data();
  json::stringifyTo(reserved, Value("fits"));
  CHECK(reserved.data() == before);  // enough capacity: written in place
  CHECK(reserved == "\"fits\"");
}

TEST_CASE("depth limit: 64 levels by default, configurable") {
  const std::string deep64 = std::string(64, '[') + std::string(64, ']');
  CHECK(json::stringify(json::parse(deep64)) == deep64);
  const std::string deep65 = std::string(65, '[') + std::string(65, ']');
  refuses(deep65, 64, "nested more than 64 deep");
  ParseLimits two;
  two.maxDepth = 2;
  CHECK_NOTHROW(json::parse("[[1]]", two));
  refuses("[[[1]]]", 2, "nested more than 2 deep", two);
  refuses(R"({"a":{"b":{}}})", 10, "nested more than 2 deep", two);
  refuses(R"([{"S3cr3t":[0]}])", 11, "nested more than 2 deep", two);
  ParseLimits none;
  none.maxDepth = 0;
  CHECK(json::parse("\"scalar\"", none).isString());
  refuses("[]", 0, "nested more than 0 deep", none);
  // The parser itself is iterative: deep documents cost no native stack while parsing.
  ParseLimits deep;
  deep.maxDepth = 2000;
  const std::string nested = std::string(2000, '[') + std::string(2000, ']');
  CHECK(json::stringify(json::parse(nested, deep)) == nested);
}

TEST_CASE("equality: deep, arrays in order, objects by key set") {
  CHECK(json::parse(R"({"a":1,"b":[1,2]})") == json::parse(R"({"b":[1,2],"a":1})"));
  CHECK(json::parse("[1,2]") != json::parse("[2,1]"));
  CHECK(json::parse(R"({"a":1})") != json::parse(R"({"a":1,"b":2})"));
  CHECK(json::parse(R"({"a":1})") != json::parse(R"({"b":1})"));
  CHECK(json::parse(R"({"a":{"x":null}})") != json::parse(R"({"a":{"x":false}})"));
  CHECK(Value() == Value(nullptr));
  CHECK(Value(true) != Value(false));
  CHECK(Value("1") != Value(1));
  CHECK(Value(Array{}) != Value(Object{}));
  CHECK(Value("a") == "a");
  CHECK(Array{1, "x"} == Array{1, "x"});
  CHECK(Object{{"a", 1}, {"b", 2}} == Object{{"b", 2}, {"a", 1}});
}

TEST_CASE("a KSM record: parse, edit one field, write back with everything else unchanged") {
  const std::string record =
      R"({"title":"My app secret","type":"pamUser","fields":[{"type":"login","value":["my-app"]},)"
      R"({"type":"password","value":["old-S3cr3t"]},{"type":"url","value":[]}],"custom":[{"type":"text",)"
      R"("label":"secret_lifetime_days","value":[180]},{"type":"checkbox","label":"flag","value":[true]},)"
      R"({"type":"text","label":"ratio","value":[1.0]}],"notes":"caf\u00e9 \ud83d\ude00 line\nbreak"})";
  std::string padded = record;
  padded.append(37, ' ');
  Value v = json::parse(padded);
  for (Value& field : *v.object().findArray("fields")) {
    Object& f = field.object();
    if (*f.findString("type") == "password") f.findArray("value")->operator[](0) = Value("new-S3cr3t");
  }
  std::string expected = record;
  expected.replace(expected.find("old-S3cr3t"), 10, "new-S3cr3t");
  expected.replace(expected.find(R"(caf\u00e9 \ud83d\ude00)"), 22, "caf\xC3\xA9 \xF0\x9F\x98\x80");
  CHECK(json::stringify(v) == expected);
}

TEST_CASE("wipe zeroes the whole capacity and empties the string") {
  std::string heap(100, 'S');
  heap.resize(10);  // bytes past the size still hold 'S'
  const std::size_t capacity = heap.capacity();
  json::wipe(heap);
  CHECK(heap.empty());
  CHECK(heap.capacity() == capacity);
  bool zero = true;
  for (std::size_t i = 0; i < capacity; ++i) zero = zero && heap.data()[i] == '\0';
  CHECK(zero);
  std::string small = "S3cr3t";
  json::wipe(small);
  CHECK(small.empty());
  CHECK(std::string_view(small.data(), small.capacity()).find(kSecret) == std::string_view::npos);
  std::string empty;
  json::wipe(empty);
  CHECK(empty.empty());
}

TEST_CASE("moved-from and assigned-over values keep no bytes of a short string") {
  // Control: a moved-from std::string keeps a short string's bytes (all but the first, which becomes the
  // terminator) in its inline buffer (libstdc++); that is what Value's moves clear. So the needle is the tail.
  constexpr std::string_view tail = "3cr3t!";
  std::string plain = "S3cr3t!";
  std::string taken = std::move(plain);
  CHECK(representationContains(plain, tail));  // NOLINT(bugprone-use-after-move)

  Value source(std::string("S3cr3t!"));
  REQUIRE(representationContains(source, tail));
  Value moved = std::move(source);
  CHECK_FALSE(representationContains(source, tail));  // NOLINT(bugprone-use-after-move)
  CHECK(moved.string() == "S3cr3t!");

  Value assigned("S3cr3t!");
  assigned = Value(5);
  CHECK_FALSE(representationContains(assigned, tail));
  Value reassigned = json::parse("\"S3cr3t!\"");
  REQUIRE(representationContains(reassigned, tail));
  reassigned = json::parse("[]");
  CHECK_FALSE(representationContains(reassigned, tail));
  Value number = Value::numberFromText("31415926");
  Value numberTaken = std::move(number);
  CHECK_FALSE(representationContains(number, "1415926"));  // NOLINT(bugprone-use-after-move)

  // A member whose value set() replaced, and one that erase() moved up over an erased one (its old slot is the
  // last, destroyed by then; the moved-up member now sits where the erased one was).
  Object o{{"a", "S3cr3t!"}, {"b", "x"}};
  o.set("a", 1);
  CHECK_FALSE(representationContains(*o.begin(), tail));
  Object e{{"gone", "S3cr3t!"}, {"kept", "x"}};
  REQUIRE(e.erase("gone"));
  CHECK_FALSE(representationContains(*e.begin(), tail));
  CHECK(e.begin()->key() == "kept");
}

TEST_CASE("stringify of an object on its own writes what stringify of the same object as a value writes") {
  const Value parsed = json::parse(R"({"title":"T","n":1.50,"custom":[{"label":"x\ny","value":["s\u0001"]}],"e":{}})");
  const Object& object = parsed.object();
  CHECK(json::stringify(object) == json::stringify(parsed));
  CHECK(json::stringify(object) == R"({"title":"T","n":1.50,"custom":[{"label":"x\ny","value":["s\u0001"]}],"e":{}})");
  CHECK(json::stringify(Object()) == "{}");
  Object badKey;
  badKey.set(std::string("\xFF"), 1);
  CHECK_THROWS_AS(json::stringify(badKey), std::invalid_argument);
}
