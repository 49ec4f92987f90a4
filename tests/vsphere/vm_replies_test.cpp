// A scaling group's pool folder: the replies of SearchIndex.FindByInventoryPath and of the
// RetrievePropertiesEx over the folder's children, as captured from the simulator
// (replies/README.md).
#include "vm_replies.h"

#include <catch2/catch.hpp>

#include "captured.h"
#include "soap_reply.h"
#include "zabitan/vsphere/error.h"

using namespace zabitan::vsphere;
using zabitan::testing::Captured;
using zabitan::testing::Envelope;

namespace {

pugi::xml_node Body(const std::string& reply, SoapResult* r) {
  REQUIRE(ParseSoapReply(reply, 200, r).ok());
  return r->body;
}

}  // namespace

TEST_CASE("vsphere/vm replies: pool folder, FindByInventoryPath finds the folder",
          "[vsphere][remote]") {
  SoapResult r;
  ManagedObject folder;
  REQUIRE(ParseFolderReply("DC0/vm/web-pool",
                           Body(Captured("find_by_inventory_path_folder.xml"), &r), &folder)
              .ok());
  CHECK(folder.type == "Folder");
  CHECK(folder.value == "folder-68");
}

TEST_CASE("vsphere/vm replies: pool folder, nothing at the path, or not a Folder, names the path",
          "[vsphere][remote]") {
  SoapResult r;
  ManagedObject folder;
  zabitan::Status s = ParseFolderReply(
      "DC0/vm/no-such-pool", Body(Captured("find_by_inventory_path_none.xml"), &r), &folder);
  CHECK(s.code() == Error::kNotFound);
  CHECK(s.message() == "no folder at \"DC0/vm/no-such-pool\"");
  s = ParseFolderReply("DC0/vm/web-pool/web-10",
                       Body(Captured("find_by_inventory_path_vm.xml"), &r), &folder);
  CHECK(s.code() == Error::kNotFound);
  CHECK(s.message() == "\"DC0/vm/web-pool/web-10\" is a VirtualMachine, not a Folder");
  // A hostile name in the message stays on one line.
  s = ParseFolderReply("DC0/vm/a\nb", Body(Captured("find_by_inventory_path_none.xml"), &r),
                       &folder);
  CHECK(s.message().find('\n') == std::string::npos);
}

TEST_CASE("vsphere/vm replies: pool folder, the folder's VMs, templates left out",
          "[vsphere][remote]") {
  SoapResult r;
  std::vector<VmPower> vms;
  AppendFolderVms(Body(Captured("folder_vms.xml"), &r), &vms);
  REQUIRE(vms.size() ==
          2);  // web-template is a template; the subfolder's web-01 is not in the reply
  CHECK(vms[0].name == "web-11");
  CHECK(vms[0].moref.value == "vm-72");
  CHECK(vms[0].power_state == "poweredOff");
  CHECK(vms[1].name == "web-10");
  CHECK(vms[1].moref.type == "VirtualMachine");
}

TEST_CASE(
    "vsphere/vm replies: pool folder, objects that are not VMs are skipped, a VM without config "
    "kept",
    "[vsphere][remote]") {
  // What real vCenter may answer: a VM whose config is unavailable (inaccessible) has no
  // config.template, and a property collector may return the folder's other children.
  SoapResult r;
  std::vector<VmPower> vms{{{"VirtualMachine", "vm-1"}, "kept", "poweredOn"}};
  const std::string reply = Envelope(
      R"(<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>)"
      R"(<objects><obj type="Folder">group-v9</obj><propSet><name>name</name><val>sub</val></propSet></objects>)"
      R"(<objects><obj type="VirtualMachine">vm-9</obj><propSet><name>name</name><val>web-09</val></propSet>)"
      R"(</objects></returnval></RetrievePropertiesExResponse>)");
  AppendFolderVms(Body(reply, &r), &vms);
  REQUIRE(vms.size() == 2);
  CHECK(vms[0].name == "kept");  // appended, not replaced
  CHECK(vms[1].name == "web-09");
  CHECK(vms[1].power_state.empty());
}

TEST_CASE("vsphere/vm replies: the task moref, or an error", "[vsphere][remote]") {
  pugi::xml_document doc;
  REQUIRE(doc.load_string(
      "<CloneVM_TaskResponse xmlns=\"urn:vim25\"><returnval type=\"Task\">task-77</returnval>"
      "</CloneVM_TaskResponse>"));
  ManagedObject task;
  REQUIRE(ParseTaskReply("CloneVM_Task", doc.first_child(), &task).ok());
  CHECK(task.type == "Task");
  CHECK(task.value == "task-77");

  pugi::xml_document empty;
  REQUIRE(empty.load_string("<CloneVM_TaskResponse xmlns=\"urn:vim25\"/>"));
  zabitan::Status s = ParseTaskReply("CloneVM_Task", empty.first_child(), &task);
  CHECK_FALSE(s.ok());
  CHECK(s.code() == Error::kBadReply);
  CHECK(s.message() == "CloneVM_Task: no task in the reply");
}
