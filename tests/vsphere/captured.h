// Replies for the vSphere and collector tests, captured from tests/peers/vcsim
// (replies/README.md) or written as real vCenter writes them, and what they fill.
#ifndef ZABITAN_TESTS_VSPHERE_CAPTURED_H_
#define ZABITAN_TESTS_VSPHERE_CAPTURED_H_

#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "inventory_updates.h"
#include "soap_reply.h"
#include "zabitan/vsphere/types.h"

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

// An entity as the inventory holds it: named after its moref.
inline vsphere::Entity Make(const std::string& type, const std::string& moref,
                            const std::string& uuid) {
  vsphere::Entity e;
  e.moref = {type, moref};
  e.uuid = uuid;
  e.name = moref;
  return e;
}

// Applies one WaitForUpdatesEx reply to *inventory; returns whether it said "truncated".
inline bool Apply(const std::string& reply, vsphere::Inventory* inventory) {
  vsphere::SoapResult r;
  REQUIRE(vsphere::ParseSoapReply(reply, 200, &r).ok());
  bool truncated = true;
  vsphere::ApplyUpdates(r.body, inventory, &truncated);
  return truncated;
}

}  // namespace zabitan::testing

#endif  // ZABITAN_TESTS_VSPHERE_CAPTURED_H_
