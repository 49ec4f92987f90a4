// Replies for the vSphere tests: captured from tests/peers/vcsim (replies/README.md), or
// written as real vCenter writes them.
#ifndef ZABITAN_TESTS_VMWARE_COLLECTOR_CAPTURED_H_
#define ZABITAN_TESTS_VMWARE_COLLECTOR_CAPTURED_H_

#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

namespace zabitan::testing {

// A reply captured from tests/peers/vcsim, byte for byte.
inline std::string Captured(const std::string& name) {
  std::ifstream in(std::string(ZABITAN_VSPHERE_REPLIES) + "/" + name, std::ios::binary);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A reply as real vCenter writes it: xsi: prefixes, the body element in a default namespace.
inline std::string Envelope(const std::string& body) {
  return R"(<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>)" +
         body + "</soapenv:Body></soapenv:Envelope>";
}

}  // namespace zabitan::testing

#endif  // ZABITAN_TESTS_VMWARE_COLLECTOR_CAPTURED_H_
