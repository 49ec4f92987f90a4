#include "xml.h"

#include <catch2/catch.hpp>

using namespace zabitan::vsphere;

TEST_CASE("vsphere/xml: children by local name, whatever the prefix", "[vsphere]") {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(
      R"(<soapenv:Envelope xmlns:soapenv="x"><soapenv:Body><a:Resp xmlns:a="urn:vim25"><returnval><rootFolder type="Folder">group-d1</rootFolder></returnval></a:Resp></soapenv:Body></soapenv:Envelope>)"));
  pugi::xml_node resp = Child(Child(Child(doc, "Envelope"), "Body"), "Resp");
  REQUIRE(resp);
  CHECK(ChildText(Child(resp, "returnval"), "rootFolder") == "group-d1");
  CHECK_FALSE(Child(resp, "missing"));
  CHECK(ChildText(resp, "missing").empty());
}

TEST_CASE("vsphere/xml: xsi:type as vCenter and as the simulator write it", "[vsphere]") {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(
      R"(<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance"><a xsi:type="xsd:int">1</a><b XMLSchema-instance:type="PerfEntityMetric"/><c type="VirtualMachine">vm-1</c></r>)"));
  pugi::xml_node r = doc.child("r");
  CHECK(XsiType(r.child("a")) == "int");
  CHECK(XsiType(r.child("b")) == "PerfEntityMetric");
  CHECK(XsiType(r.child("c")).empty());  // a moref's plain type attribute is not xsi:type
}

TEST_CASE("vsphere/xml: escaping", "[vsphere]") {
  CHECK(Escape(R"(a<b>&"c'")") == "a&lt;b&gt;&amp;&quot;c&apos;&quot;");
}
