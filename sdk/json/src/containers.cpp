// Array, Object and Member. Object keeps insertion order and unique keys; Member zeroes its key like Value zeroes
// its strings.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "internal.hpp"

namespace keeper_rotate::json {

// ---- Array ----

Array::Array() noexcept = default;

Array::Array(std::initializer_list<Value> items) : items_(items) {}

Value& Array::at(std::size_t index) {
  if (index >= items_.size()) throw std::out_of_range("json::Array::at: index out of range");
  return items_[index];
}

const Value& Array::at(std::size_t index) const {
  if (index >= items_.size()) throw std::out_of_range("json::Array::at: index out of range");
  return items_[index];
}

Value& Array::push_back(Value value) {
  items_.push_back(std::move(value));
  return items_.back();
}

Value& Array::insert(std::size_t index, Value value) {
  if (index > items_.size()) throw std::out_of_range("json::Array::insert: index out of range");
  return *items_.insert(items_.begin() + static_cast<std::ptrdiff_t>(index), std::move(value));
}

void Array::erase(std::size_t index) {
  if (index >= items_.size()) throw std::out_of_range("json::Array::erase: index out of range");
  items_.erase(items_.begin() + static_cast<std::ptrdiff_t>(index));
}

void Array::clear() noexcept { items_.clear(); }

void Array::reserve(std::size_t capacity) { items_.reserve(capacity); }

bool operator==(const Array& a, const Array& b) { return a.items_ == b.items_; }

// ---- Member ----

Member::Member(std::string key, Value value) noexcept : key_(std::move(key)), value_(std::move(value)) { wipe(key); }

Member::Member(const Member& other) : key_(other.key_), value_(other.value_) {}

Member::Member(Member&& other) noexcept : key_(std::move(other.key_)), value_(std::move(other.value_)) {
  wipe(other.key_);
}

Member::~Member() { wipe(key_); }

void Member::replaceWith(Member&& other) noexcept {
  wipe(key_);
  key_ = std::move(other.key_);
  wipe(other.key_);
  value_ = std::move(other.value_);
}

// ---- Object ----

Object::Object() noexcept = default;

Object::Object(std::initializer_list<std::pair<std::string_view, Value>> members) {
  members_.reserve(members.size());
  for (const auto& [key, value] : members) {
    if (has(key)) throw std::invalid_argument("json::Object: a key repeats in the initializer");
    members_.emplace_back(std::string(key), value);
  }
}

Object::Object(const Object& other) = default;

Object::Object(Object&& other) noexcept = default;

Object& Object::operator=(const Object& other) {
  if (this != &other) {
    Object copy(other);  // first: `other` may live inside *this
    members_.swap(copy.members_);
  }
  return *this;
}

Object& Object::operator=(Object&& other) noexcept {
  if (this != &other) {
    std::vector<Member> taken;
    taken.swap(other.members_);  // first: `other` may live inside *this
    members_.swap(taken);        // the old members go (zeroed) with `taken`
  }
  return *this;
}

Object::~Object() = default;

const Value* Object::find(std::string_view key) const noexcept {
  for (const Member& m : members_)
    if (m.key_ == key) return &m.value_;
  return nullptr;
}

Value* Object::find(std::string_view key) noexcept {
  for (Member& m : members_)
    if (m.key_ == key) return &m.value_;
  return nullptr;
}

const std::string* Object::findString(std::string_view key) const noexcept {
  const Value* v = find(key);
  return v != nullptr && v->isString() ? &v->string() : nullptr;
}

const Object* Object::findObject(std::string_view key) const noexcept {
  const Value* v = find(key);
  return v != nullptr && v->isObject() ? &v->object() : nullptr;
}

Object* Object::findObject(std::string_view key) noexcept {
  Value* v = find(key);
  return v != nullptr && v->isObject() ? &v->object() : nullptr;
}

const Array* Object::findArray(std::string_view key) const noexcept {
  const Value* v = find(key);
  return v != nullptr && v->isArray() ? &v->array() : nullptr;
}

Array* Object::findArray(std::string_view key) noexcept {
  Value* v = find(key);
  return v != nullptr && v->isArray() ? &v->array() : nullptr;
}

Value& Object::set(std::string key, Value value) {
  const detail::Wiper wiper(key);  // a moved-from or unused key still holds its bytes
  if (Value* existing = find(key)) {
    *existing = std::move(value);
    return *existing;
  }
  members_.emplace_back(std::move(key), std::move(value));
  return members_.back().value_;
}

bool Object::erase(std::string_view key) noexcept {
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (members_[i].key_ != key) continue;
    for (std::size_t j = i; j + 1 < members_.size(); ++j) members_[j].replaceWith(std::move(members_[j + 1]));
    members_.pop_back();
    return true;
  }
  return false;
}

void Object::clear() noexcept { members_.clear(); }

void Object::reserve(std::size_t capacity) { members_.reserve(capacity); }

bool operator==(const Object& a, const Object& b) {
  const std::size_t n = a.members_.size();
  if (n != b.members_.size()) return false;
  // Keys are unique in each, so equal key sets with equal values means equal objects, in whatever order.
  if (n <= 16) {
    for (const Member& m : a.members_) {
      const Value* other = b.find(m.key());
      if (other == nullptr || *other != m.value()) return false;
    }
    return true;
  }
  // Large objects: compare sorted views instead of n linear lookups.
  std::vector<const Member*> x, y;
  x.reserve(n);
  y.reserve(n);
  for (const Member& m : a.members_) x.push_back(&m);
  for (const Member& m : b.members_) y.push_back(&m);
  const auto byKey = [](const Member* l, const Member* r) { return l->key() < r->key(); };
  std::sort(x.begin(), x.end(), byKey);
  std::sort(y.begin(), y.end(), byKey);
  for (std::size_t i = 0; i < n; ++i)
    if (x[i]->key() != y[i]->key() || x[i]->value() != y[i]->value()) return false;
  return true;
}

}  // namespace keeper_rotate::json
