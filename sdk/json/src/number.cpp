// Numbers: the JSON number grammar, numbers made from integers and doubles, and reading them back as int64 or double.
// A number is stored as its literal text, so whatever another client wrote survives a round trip unchanged.
#include <string.h>  // explicit_bzero

#include <charconv>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <system_error>

#include "internal.hpp"

namespace keeper_rotate::json {

namespace detail {

namespace {
bool isDigit(char c) noexcept { return c >= '0' && c <= '9'; }
}  // namespace

std::size_t scanNumber(std::string_view text, std::size_t at) {
  const std::size_t n = text.size();
  std::size_t i = at;
  if (i < n && text[i] == '-') ++i;
  if (i >= n || !isDigit(text[i])) throw ParseError(i, "expected a digit");
  if (text[i] == '0') {
    ++i;
    if (i < n && isDigit(text[i])) throw ParseError(i, "leading zeros are not allowed");
  } else {
    while (i < n && isDigit(text[i])) ++i;
  }
  if (i < n && text[i] == '.') {
    ++i;
    if (i >= n || !isDigit(text[i])) throw ParseError(i, "expected a digit after the decimal point");
    while (i < n && isDigit(text[i])) ++i;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (i >= n || !isDigit(text[i])) throw ParseError(i, "expected a digit in the exponent");
    while (i < n && isDigit(text[i])) ++i;
  }
  return i;
}

}  // namespace detail

namespace {

/// Decimal (or shortest round-trip) text of an arithmetic value; the stack buffer is zeroed like any other copy.
template <class T>
std::string decimalText(T n) {
  char buffer[40];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, n);
  std::string text(buffer, result.ptr);
  explicit_bzero(buffer, sizeof buffer);
  return text;
}

std::string finiteText(double d) {
  if (!std::isfinite(d)) throw std::invalid_argument("JSON numbers are finite: no NaN or infinity");
  return decimalText(d);
}

}  // namespace

Value::Value(int n) : Value(NumberText{}, decimalText(n)) {}
Value::Value(long n) : Value(NumberText{}, decimalText(n)) {}
Value::Value(long long n) : Value(NumberText{}, decimalText(n)) {}
Value::Value(unsigned n) : Value(NumberText{}, decimalText(n)) {}
Value::Value(unsigned long n) : Value(NumberText{}, decimalText(n)) {}
Value::Value(unsigned long long n) : Value(NumberText{}, decimalText(n)) {}

Value::Value(double d) : Value(NumberText{}, finiteText(d)) {}

Value Value::numberFromText(std::string text) {
  const detail::Wiper wiper(text);
  const std::size_t end = detail::scanNumber(text, 0);
  if (end != text.size()) throw ParseError(end, "expected the end of the number");
  return Value(NumberText{}, std::move(text));
}

std::int64_t Value::int64() const {
  if (type_ != Type::Number) detail::throwTypeError("an integer", type_);
  if (text_.find_first_of(".eE") != std::string::npos)
    throw TypeError("expected an integer, found a number with a fraction or an exponent");
  std::int64_t n = 0;
  const char* end = text_.data() + text_.size();
  const auto result = std::from_chars(text_.data(), end, n);
  if (result.ec != std::errc() || result.ptr != end)
    throw TypeError("expected an integer in the 64-bit range, found a number outside it");
  return n;
}

double Value::number() const {
  if (type_ != Type::Number) detail::throwTypeError("a number", type_);
  double d = 0;
  const char* begin = text_.data();
  const char* end = begin + text_.size();
  const auto result = std::from_chars(begin, end, d);
  if (result.ec == std::errc() && result.ptr == end) return d;
  // Out of the double range (the grammar was checked when the number was made): like JavaScript, infinity above it,
  // zero below it. The literal's decimal magnitude tells which: the exponent of its first non-zero digit.
  const bool negative = text_[0] == '-';
  long long magnitude = 0;
  bool seenNonZero = false;
  long long integerDigits = 0;
  long long leadingZeros = 0;  // zero digits before the first non-zero one
  bool fraction = false;
  std::size_t i = negative ? 1 : 0;
  for (; i < text_.size() && text_[i] != 'e' && text_[i] != 'E'; ++i) {
    const char c = text_[i];
    if (c == '.') {
      fraction = true;
      continue;
    }
    if (!fraction) ++integerDigits;
    if (!seenNonZero) {
      if (c == '0') {
        ++leadingZeros;
        continue;
      }
      seenNonZero = true;
    }
  }
  long long exponent = 0;
  if (i < text_.size()) {
    ++i;
    bool exponentNegative = false;
    if (text_[i] == '+' || text_[i] == '-') exponentNegative = text_[i++] == '-';
    for (; i < text_.size(); ++i) {
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (text_[i] - '0');  // saturates far beyond any double
    }
    if (exponentNegative) exponent = -exponent;
  }
  if (seenNonZero) magnitude = integerDigits - 1 - leadingZeros + exponent;
  const double limit = seenNonZero && magnitude > 0 ? std::numeric_limits<double>::infinity() : 0.0;
  return negative ? -limit : limit;
}

}  // namespace keeper_rotate::json
