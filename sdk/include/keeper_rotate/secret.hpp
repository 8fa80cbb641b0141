// keeper_rotate::Secret — the one type that holds a credential value in memory.
//
// Guarantees:
//   * the bytes are zeroed (explicit_bzero, which the optimiser may not remove) on destruction, on clear() and
//     when moved from;
//   * no implicit copy, no conversion to std::string, no operator<< (a deleted overload makes streaming a
//     compile error rather than a silent print of an address or value);
//   * access is explicit: reveal() returns a view whose use is easy to grep for in review.
// What it cannot guarantee: copies that code makes of reveal()'s view (std::string temporaries, HTTP bodies).
// Keep those short-lived and prefer writing straight from the view.
#pragma once

#include <cstddef>
#include <cstring>
#include <iosfwd>
#include <string.h>  // explicit_bzero (glibc >= 2.25)
#include <string_view>
#include <utility>

namespace keeper_rotate {

class Secret {
 public:
  Secret() noexcept = default;
  /// Copies `value` into owned, zero-on-free storage.
  explicit Secret(std::string_view value) { assign(value); }

  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;

  Secret(Secret&& other) noexcept : data_(other.data_), size_(other.size_) {
    other.data_ = nullptr;
    other.size_ = 0;
  }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      clear();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  ~Secret() { clear(); }

  /// An explicit, independent copy (copies are deliberate, never implicit).
  Secret clone() const { return Secret(reveal()); }

  /// The value. The view is valid while this Secret lives and is not modified.
  std::string_view reveal() const noexcept { return {data_ ? data_ : "", size_}; }

  bool empty() const noexcept { return size_ == 0; }
  std::size_t size() const noexcept { return size_; }

  /// Zero and release the value.
  void clear() noexcept {
    if (data_ != nullptr) {
      explicit_bzero(data_, size_);
      delete[] data_;
      data_ = nullptr;
    }
    size_ = 0;
  }

  /// Constant-time comparison (does not leak the position of the first difference through timing).
  bool equals(std::string_view other) const noexcept {
    if (other.size() != size_) return false;
    unsigned char diff = 0;
    for (std::size_t i = 0; i < size_; ++i) diff |= static_cast<unsigned char>(data_[i] ^ other[i]);
    return diff == 0;
  }

  /// Streaming a secret is a compile error on purpose.
  friend std::ostream& operator<<(std::ostream&, const Secret&) = delete;

 private:
  void assign(std::string_view value) {
    clear();
    if (value.empty()) return;
    data_ = new char[value.size()];
    std::memcpy(data_, value.data(), value.size());
    size_ = value.size();
  }

  char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace keeper_rotate
