// keeper_rotate::aws — a small XML element tree for AWS query-protocol responses (IAM, STS), built by a strict
// XML 1.0 reader with namespaces (no library underneath), never by string searches. Part of KeeperRotate::aws.
//
// Safety: DTDs are refused, so only the five predefined entities and character references exist (no XXE, no
// entity expansion bombs); the document must be well-formed UTF-8 of XML characters; its size and nesting depth
// are capped; every buffer a text passes through is the tree's own and is zeroed when the tree is destroyed,
// because responses such as CreateAccessKey carry a secret.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace keeper_rotate::aws {

class XmlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One element: local name (namespace prefix and URI dropped: AWS puts every element in the service's namespace),
/// its text (concatenated character data, not trimmed), its child elements in document order.
struct XmlElement {
  std::string name;
  std::string text;
  std::vector<XmlElement> children;

  XmlElement() = default;
  XmlElement(XmlElement&&) = default;
  XmlElement& operator=(XmlElement&&) = default;
  XmlElement(const XmlElement&) = delete;
  XmlElement& operator=(const XmlElement&) = delete;
  ~XmlElement();

  /// First child with this local name, or nullptr.
  const XmlElement* child(std::string_view childName) const;
  /// Follow a path of child names ("AccessKey/SecretAccessKey"), or nullptr.
  const XmlElement* find(std::string_view path) const;
  /// Text of find(path), trimmed; empty when absent.
  std::string textOf(std::string_view path) const;
  /// Every child with this local name.
  std::vector<const XmlElement*> childrenNamed(std::string_view childName) const;
};

/// Default cap on a response document (IAM responses are a few KiB).
inline constexpr std::size_t kMaxXmlBytes = 1024 * 1024;

/// Parse a whole document; the root element is returned. Throws XmlError: malformed (the message names what and
/// where, by line and column), a DTD, an entity other than the predefined five, an encoding other than UTF-8 or
/// US-ASCII declared, too large, too deep, empty.
XmlElement parseXml(std::string_view document, std::size_t maxBytes = kMaxXmlBytes);

}  // namespace keeper_rotate::aws
