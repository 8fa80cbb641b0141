// The XML element tree: IAM and STS response shapes (sdk/docs/aws.md, "XML"), namespaces, paths, and the
// refusals (DOCTYPE and entities, malformed documents, over-size input).
#include "keeper_rotate/aws/query_client.hpp"
#include "keeper_rotate/aws/xml.hpp"

#include <doctest/doctest.h>

using namespace keeper_rotate::aws;

namespace {

constexpr const char* kCreateAccessKey = R"(<?xml version="1.0" encoding="UTF-8"?>
<CreateAccessKeyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <CreateAccessKeyResult>
    <AccessKey>
      <UserName>Bob</UserName>
      <AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId>
      <Status>Active</Status>
      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY+a&amp;b</SecretAccessKey>
      <CreateDate>2015-03-09T18:39:23.411Z</CreateDate>
    </AccessKey>
  </CreateAccessKeyResult>
  <ResponseMetadata>
    <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>
  </ResponseMetadata>
</CreateAccessKeyResponse>)";

constexpr const char* kListAccessKeys = R"(<ListAccessKeysResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <ListAccessKeysResult>
    <AccessKeyMetadata>
      <member>
        <UserName>Bob</UserName>
        <AccessKeyId>AKIA111111111EXAMPLE</AccessKeyId>
        <Status>Active</Status>
        <CreateDate>2020-10-13T17:38:43Z</CreateDate>
      </member>
      <member>
        <UserName>Bob</UserName>
        <AccessKeyId>AKIA222222222EXAMPLE</AccessKeyId>
        <Status>Inactive</Status>
        <CreateDate>2021-01-02T03:04:05Z</CreateDate>
      </member>
    </AccessKeyMetadata>
    <IsTruncated>false</IsTruncated>
  </ListAccessKeysResult>
  <ResponseMetadata><RequestId>req-list</RequestId></ResponseMetadata>
</ListAccessKeysResponse>)";

constexpr const char* kGetCallerIdentity = R"(<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/Bob</Arn>
    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>)";

constexpr const char* kAssumeRole = R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/rotator/keeper</Arn>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:keeper</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAJEXAMPLEXEG2JICEA</AccessKeyId>
      <SecretAccessKey>9drTJvcXLB89EXAMPLELB8923FB892xMFI</SecretAccessKey>
      <SessionToken>AQoXdzELDDY//////////wEaoAK1wvxJY12r2IrDFT2IvAzTCn3zHoZ7YNtpiQLF0MqZye/qwjzP2iEXAMPLE</SessionToken>
      <Expiration>2011-07-15T23:28:33.359Z</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>)";

}  // namespace

TEST_CASE("aws xml: IAM CreateAccessKeyResponse - local names, entity-decoded text, textOf trims") {
  const XmlElement root = parseXml(kCreateAccessKey);
  CHECK(root.name == "CreateAccessKeyResponse");
  CHECK(root.textOf("CreateAccessKeyResult/AccessKey/AccessKeyId") == "AKIAIOSFODNN7EXAMPLE");
  CHECK(root.textOf("CreateAccessKeyResult/AccessKey/SecretAccessKey") ==
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY+a&b");
  CHECK(root.textOf("CreateAccessKeyResult/AccessKey/Status") == "Active");
  CHECK(root.textOf("CreateAccessKeyResult/AccessKey/CreateDate") == "2015-03-09T18:39:23.411Z");
  CHECK(root.textOf("ResponseMetadata/RequestId") == "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE");
  const XmlElement* key = root.find("CreateAccessKeyResult/AccessKey");
  REQUIRE(key != nullptr);
  CHECK(key->children.size() == 5);
  CHECK(key->child("UserName")->text == "Bob");
  CHECK(key->child("Missing") == nullptr);
  CHECK(root.find("CreateAccessKeyResult/Nope/AccessKeyId") == nullptr);
  CHECK(root.textOf("CreateAccessKeyResult/Nope") == "");
  CHECK(root.find("") == &root);
  CHECK(root.find("/CreateAccessKeyResult//AccessKey/") == key);
}

TEST_CASE("aws xml: IAM ListAccessKeysResponse - childrenNamed over members") {
  const XmlElement root = parseXml(kListAccessKeys);
  const XmlElement* list = root.find("ListAccessKeysResult/AccessKeyMetadata");
  REQUIRE(list != nullptr);
  const auto members = list->childrenNamed("member");
  REQUIRE(members.size() == 2);
  CHECK(members[0]->textOf("AccessKeyId") == "AKIA111111111EXAMPLE");
  CHECK(members[1]->textOf("Status") == "Inactive");
  CHECK(members[1]->textOf("CreateDate") == "2021-01-02T03:04:05Z");
  CHECK(root.textOf("ListAccessKeysResult/IsTruncated") == "false");
  CHECK(list->childrenNamed("nothing").empty());
}

TEST_CASE("aws xml: STS GetCallerIdentityResponse and AssumeRoleResponse") {
  const XmlElement who = parseXml(kGetCallerIdentity);
  CHECK(who.name == "GetCallerIdentityResponse");
  CHECK(who.textOf("GetCallerIdentityResult/Arn") == "arn:aws:iam::123456789012:user/Bob");
  CHECK(who.textOf("GetCallerIdentityResult/Account") == "123456789012");
  CHECK(who.textOf("GetCallerIdentityResult/UserId") == "AIDACKCEVSQ6C2EXAMPLE");

  const XmlElement role = parseXml(kAssumeRole);
  CHECK(role.textOf("AssumeRoleResult/Credentials/AccessKeyId") == "ASIAJEXAMPLEXEG2JICEA");
  CHECK(role.textOf("AssumeRoleResult/Credentials/SessionToken").rfind("AQoXdzELDDY//", 0) == 0);
  CHECK(role.textOf("AssumeRoleResult/Credentials/Expiration") == "2011-07-15T23:28:33.359Z");
  CHECK(role.textOf("AssumeRoleResult/AssumedRoleUser/Arn") == "arn:aws:sts::123456789012:assumed-role/rotator/keeper");
}

TEST_CASE("aws xml: prefixed namespaces give local names, CDATA is text") {
  const XmlElement root = parseXml(
      R"(<a:Root xmlns:a="urn:x" xmlns:b="urn:y"><b:Item>one</b:Item><a:Item><![CDATA[<two>]]></a:Item></a:Root>)");
  CHECK(root.name == "Root");
  REQUIRE(root.childrenNamed("Item").size() == 2);
  CHECK(root.childrenNamed("Item")[1]->text == "<two>");
}

TEST_CASE("aws xml: ErrorResponse with and without a namespace") {
  const std::string withNs = R"(<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>LimitExceeded</Code><Message>Cannot exceed quota for AccessKeysPerUser: 2</Message></Error>
  <RequestId>req-409</RequestId>
</ErrorResponse>)";
  auto error = parseErrorResponse(409, withNs, "CreateAccessKey");
  REQUIRE(error);
  CHECK(error->httpStatus() == 409);
  CHECK(error->code() == "LimitExceeded");
  CHECK(error->serviceMessage() == "Cannot exceed quota for AccessKeysPerUser: 2");
  CHECK(error->requestId() == "req-409");
  CHECK(error->action() == "CreateAccessKey");
  CHECK_FALSE(error->throttling());
  CHECK_FALSE(error->transient());

  const std::string bare = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                           "<Message>Rate exceeded</Message></Error><RequestId>r2</RequestId></ErrorResponse>";
  auto throttle = parseErrorResponse(400, bare, "ListAccessKeys");
  REQUIRE(throttle);
  CHECK(throttle->code() == "Throttling");
  CHECK(throttle->throttling());
  CHECK(throttle->transient());

  CHECK_FALSE(parseErrorResponse(500, "<html>oops</html>", "X"));
  CHECK_FALSE(parseErrorResponse(500, "", "X"));
  CHECK_FALSE(parseErrorResponse(500, "<ErrorResponse><Error><Message>m</Message></Error></ErrorResponse>", "X"));
}

TEST_CASE("aws xml: malformed documents are XmlError") {
  CHECK_THROWS_AS(parseXml(""), XmlError);
  CHECK_THROWS_AS(parseXml("   \n"), XmlError);
  CHECK_THROWS_AS(parseXml("<a><b></a>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a>"), XmlError);
  CHECK_THROWS_AS(parseXml("not xml"), XmlError);
  CHECK_THROWS_AS(parseXml("<a/><b/>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a>&undefined;</a>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a x='1' x='2'/>"), XmlError);
}

TEST_CASE("aws xml: a DOCTYPE, with or without entities, is refused") {
  const std::string bomb = R"(<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<lolz>&lol2;</lolz>)";
  CHECK_THROWS_WITH_AS(parseXml(bomb), doctest::Contains("DOCTYPE"), XmlError);
  const std::string external = R"(<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>)";
  CHECK_THROWS_WITH_AS(parseXml(external), doctest::Contains("DOCTYPE"), XmlError);
  CHECK_THROWS_AS(parseXml(R"(<!DOCTYPE r SYSTEM "http://127.0.0.1:1/x.dtd"><r/>)"), XmlError);
  CHECK_THROWS_AS(parseXml("<!DOCTYPE r><r/>"), XmlError);
}

TEST_CASE("aws xml: over-size input and hostile nesting are refused") {
  std::string big = "<a>" + std::string(2000, 'x') + "</a>";
  CHECK_THROWS_WITH_AS(parseXml(big, 1000), doctest::Contains("limit"), XmlError);
  CHECK(parseXml(big, big.size()).text.size() == 2000);
  std::string huge(kMaxXmlBytes + 1, ' ');
  CHECK_THROWS_AS(parseXml(huge), XmlError);

  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "<d>";
  for (int i = 0; i < 200; ++i) deep += "</d>";
  CHECK_THROWS_WITH_AS(parseXml(deep), doctest::Contains("nested"), XmlError);
}

TEST_CASE("aws xml: long text arrives in pieces and is concatenated, not trimmed") {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += static_cast<char>('a' + i % 26);
  const XmlElement root = parseXml("<r> " + text + "&amp;" + text + " </r>");
  CHECK(root.text == " " + text + "&" + text + " ");
  CHECK(root.textOf("") == text + "&" + text);
}

TEST_CASE("aws xml: XML's own rules - line ends, character references, comments, CDATA, BOM, declaration") {
  // CR LF and a lone CR in text become LF; a character reference to CR stays CR.
  CHECK(parseXml("<a>x\r\ny\rz&#13;</a>").text == "x\ny\nz\r");
  CHECK(parseXml("<a>&#65;&#x42;&#x1F600;&lt;&gt;&quot;&apos;&amp;</a>").text == "AB\xF0\x9F\x98\x80<>\"'&");
  CHECK(parseXml("\xEF\xBB\xBF<?xml version='1.0' encoding='utf-8' standalone='yes' ?><a/>").name == "a");
  const XmlElement mixed =
      parseXml("<?pi data?><!-- before --><a>one<!-- c --><?p x?><![CDATA[two]]><b/>three</a><!-- after -->\n");
  CHECK(mixed.text == "onetwothree");
  REQUIRE(mixed.children.size() == 1);
  CHECK(mixed.children[0].name == "b");
  CHECK(parseXml("<a\tb = \"&amp;&#60;'\" c='\"'\n/>").name == "a");
  CHECK(parseXml("<a></a >").name == "a");
}

TEST_CASE("aws xml: what XML forbids is refused, and the message says where") {
  CHECK_THROWS_WITH_AS(parseXml("<a>\n<b></c></a>"), doctest::Contains("line 2"), XmlError);
  CHECK_THROWS_WITH_AS(parseXml("<a>\xC3\x28</a>"), doctest::Contains("not UTF-8"), XmlError);
  CHECK_THROWS_AS(parseXml("<a>\xE0\x80\x80</a>"), XmlError);      // overlong
  CHECK_THROWS_AS(parseXml("<a>\xED\xA0\x80</a>"), XmlError);      // a surrogate
  CHECK_THROWS_AS(parseXml("<a>\xF4\x90\x80\x80</a>"), XmlError);  // above U+10FFFF
  CHECK_THROWS_WITH_AS(parseXml(std::string("<a>\x01</a>")), doctest::Contains("U+0001"), XmlError);
  CHECK_THROWS_AS(parseXml("<a>&#0;</a>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a>&#xD800;</a>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a>&#x110000;</a>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a>&#X41;</a>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a>& b</a>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a>x]]>y</a>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a><!-- x -- y --></a>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a><?xml version='1.0'?></a>"), XmlError);
  CHECK_THROWS_AS(parseXml("<?s:a data?><a/>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a b='<'/>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a b='1'c='2'/>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a></ a>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a/>text"), XmlError);
  CHECK_THROWS_AS(parseXml("text<a/>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a><!ELEMENT a ANY></a>"), XmlError);
  // Namespaces: a prefix must be declared; a declaration needs a name; xmlns is reserved.
  CHECK_THROWS_WITH_AS(parseXml("<p:a>x</p:a>"), doctest::Contains("'p' is not declared"), XmlError);
  CHECK_THROWS_AS(parseXml("<a p:x='1'/>"), XmlError);
  CHECK(parseXml("<a xmlns:p='u' p:x='1'/>").name == "a");
  CHECK_THROWS_AS(parseXml("<a xmlns:p=''/>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a xmlns:xmlns='u'/>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a xmlns:p='u'><p:b:c/></a>"), XmlError);
  CHECK_THROWS_AS(parseXml("<a><b xmlns:p='u'/><p:c/></a>"), XmlError);  // out of scope after </b>
  // The declaration: version 1.x, parts in order, and no encoding the reader would misread.
  CHECK_THROWS_AS(parseXml("<?xml version='2.0'?><a/>"), XmlError);
  CHECK_THROWS_AS(parseXml("<?xml encoding='UTF-8' version='1.0'?><a/>"), XmlError);
  CHECK_THROWS_AS(parseXml("<?xml version='1.0' standalone='maybe'?><a/>"), XmlError);
  CHECK_THROWS_WITH_AS(parseXml("<?xml version='1.0' encoding='ISO-8859-1'?><a/>"), doctest::Contains("encoding"),
                       XmlError);
  CHECK_THROWS_AS(parseXml("<a/><!DOCTYPE a>"), XmlError);
  // Names are ASCII; text is not restricted.
  CHECK_THROWS_WITH_AS(parseXml("<\xC4\xBF/>"), doctest::Contains("beyond ASCII"), XmlError);
  CHECK_THROWS_WITH_AS(parseXml("<a\xC3\xA9/>"), doctest::Contains("beyond ASCII"), XmlError);
  CHECK_THROWS_AS(parseXml("<a b\xC3\xA9='1'/>"), XmlError);
  CHECK(parseXml("<a>\xC3\xA9</a>").text == "\xC3\xA9");
  // A name quoted in a message is cut to 64 bytes, so a hostile answer cannot blow up logs and the summary.
  const std::string longPrefix(100000, 'p');
  try {
    parseXml("<" + longPrefix + ":a/>");
    FAIL("an undeclared prefix was accepted");
  } catch (const XmlError& e) {
    const std::string message = e.what();
    CHECK(message.find(std::string(64, 'p') + "...") != std::string::npos);
    CHECK(message.size() < 200);
  }
}

TEST_CASE("aws xml: a tag with a hundred thousand attributes and prefixes is read, and a duplicate among them found") {
  std::string tag = "<r";
  for (int i = 0; i < 100000; ++i) tag += " xmlns:p" + std::to_string(i) + "='u' p" + std::to_string(i) + ":a='1'";
  std::string body;
  for (int i = 0; i < 1000; ++i) body += "<p" + std::to_string(i * 97) + ":e/>";
  const XmlElement root = parseXml(tag + ">" + body + "</r>", 16 * kMaxXmlBytes);
  CHECK(root.children.size() == 1000);
  CHECK(root.children[999].name == "e");
  CHECK_THROWS_WITH_AS(parseXml(tag + " p5:a='2'/>", 16 * kMaxXmlBytes), doctest::Contains("'p5:a' appears twice"),
                       XmlError);
}
