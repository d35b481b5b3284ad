// The XML element tree the AWS client reads replies with (src/aws/xml.cpp, over expat).
#include "iamforge/aws/xml.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using iamforge::aws::xml::Document;
using iamforge::aws::xml::Element;

// An IAM reply: namespaces are not processed, so names are the tags as written; siblings are
// found by name in document order; text is a leaf's decoded character data.
TEST(Xml, ReadsAnIamReply) {
  const std::string reply =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListRolesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
      "  <ListRolesResult>\n"
      "    <Roles>\n"
      "      <member><RoleName>a&amp;b</RoleName><Path>/</Path></member>\n"
      "      <other/>\n"
      "      <member><RoleName>&#x263A; c&lt;d</RoleName><AssumeRolePolicyDocument>%7B%22V%22%7D</AssumeRolePolicyDocument></member>\n"
      "      <member><RoleName><![CDATA[x<y>]]></RoleName></member>\n"
      "    </Roles>\n"
      "    <IsTruncated>false</IsTruncated>\n"
      "  </ListRolesResult>\n"
      "</ListRolesResponse>\n";
  Document doc;
  ASSERT_TRUE(doc.parse(reply));
  ASSERT_NE(doc.root(), nullptr);
  EXPECT_EQ(doc.root()->name(), "ListRolesResponse");
  const Element* result = doc.root()->first_child("ListRolesResult");
  ASSERT_NE(result, nullptr);
  EXPECT_EQ(doc.root()->first_child("Roles"), nullptr);  // children only, not descendants
  std::vector<std::string> names;
  for (const Element* m = result->first_child("Roles")->first_child("member"); m; m = m->next_sibling("member"))
    names.push_back(m->first_child("RoleName")->text());
  EXPECT_EQ(names, (std::vector<std::string>{"a&b", "\xE2\x98\xBA c<d", "x<y>"}));
  EXPECT_EQ(result->first_child("IsTruncated")->text(), "false");
  const Element* second = result->first_child("Roles")->first_child("member")->next_sibling("member");
  EXPECT_EQ(second->first_child("AssumeRolePolicyDocument")->text(), "%7B%22V%22%7D");
  EXPECT_EQ(second->first_child("Path"), nullptr);
  EXPECT_EQ(result->first_child("Roles")->first_child("other")->text(), "");
}

// Not well-formed: false and no root, whatever was built before the error; the document can be
// parsed again.
TEST(Xml, RejectsWhatIsNotWellFormed) {
  Document doc;
  for (std::string bad : std::vector<std::string>{"", "   ", "<a>", "<a></b>", "<a><b></a>", "not xml", "<a>&nope;</a>",
                                                 "<a/><b/>", std::string("<a>\0</a>", 8)}) {
    EXPECT_FALSE(doc.parse(bad)) << bad;
    EXPECT_EQ(doc.root(), nullptr) << bad;
  }
  ASSERT_TRUE(doc.parse("<Error><Code>Throttling</Code></Error>"));
  EXPECT_EQ(doc.root()->first_child("Code")->text(), "Throttling");
}

// Deep nesting is built without recursion, and a billion-laughs document is refused by expat's
// amplification limit instead of expanding.
TEST(Xml, DeepAndHostileDocuments) {
  std::string deep;
  for (int i = 0; i < 20000; ++i) deep += "<a>";
  for (int i = 0; i < 20000; ++i) deep += "</a>";
  Document doc;
  EXPECT_TRUE(doc.parse(deep));
  std::string laughs = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY l0 \"lol\">";
  for (int i = 1; i < 10; ++i)
    laughs += "<!ENTITY l" + std::to_string(i) + " \"" + [&] {
      std::string s;
      for (int k = 0; k < 10; ++k) s += "&l" + std::to_string(i - 1) + ";";
      return s;
    }() + "\">";
  laughs += "]><l>&l9;</l>";
  EXPECT_FALSE(doc.parse(laughs));
}
