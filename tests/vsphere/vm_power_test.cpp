#include "zabitan/vsphere/vm_power.h"

#include <catch2/catch.hpp>
#include <pugixml.hpp>

using namespace zabitan::vsphere;

TEST_CASE("vsphere/vm power: the CloneVM_Task request, a powered-off, non-template copy",
          "[vsphere][remote]") {
  CloneTarget t;
  t.name = "web-<01>";
  t.folder = {"Folder", "group-v3"};
  t.pool = {"ResourcePool", "resgroup-9"};
  t.datastore = {"Datastore", "datastore-12"};
  const std::string body = CloneVmRequest({"VirtualMachine", "vm-42"}, t);
  CHECK(body ==
        "<CloneVM_Task xmlns=\"urn:vim25\"><_this type=\"VirtualMachine\">vm-42</_this>"
        "<folder type=\"Folder\">group-v3</folder><name>web-&lt;01&gt;</name><spec><location>"
        "<datastore type=\"Datastore\">datastore-12</datastore><pool "
        "type=\"ResourcePool\">resgroup-9</pool>"
        "</location><template>false</template><powerOn>false</powerOn></spec></CloneVM_Task>");
  pugi::xml_document doc;
  REQUIRE(doc.load_string(body.c_str()));  // well-formed

  CloneTarget bare;
  bare.name = "web-02";
  bare.folder = {"Folder", "group-v3"};
  CHECK(CloneVmRequest({"VirtualMachine", "vm-42"}, bare).find("<location></location>") !=
        std::string::npos);
}
