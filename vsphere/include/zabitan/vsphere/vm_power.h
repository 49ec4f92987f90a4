// zabitan — powering virtual machines on and off, and waiting for vSphere tasks.
//
// What zabitan-remote-cmd does to a scaling group: find the pool's VMs by name, power one on
// (PowerOnVM_Task), shut one down gracefully (ShutdownGuest, which needs VMware Tools and
// returns at once) or power it off (PowerOffVM_Task), and wait for a task until it succeeds,
// fails or the deadline passes. A scaling group with a template clones it (CloneVM_Task) when
// its pool has no powered-off VM left. A pool may also be a folder: the VMs directly in it,
// found through its inventory path (SearchIndex.FindByInventoryPath). Not thread-safe: the
// calls use the client's connection (soap_client.h).
//
// Example:
//   #include "zabitan/vsphere/session.h"
//   namespace zv = zabitan::vsphere;
//   zv::Credentials credentials{"monitor@vsphere.local", "the password, read from a file"};
//   zv::Connection vc;  // session.h
//   zabitan::Status s = zv::Connect({.url = "https://vcenter.example.com/sdk"}, &credentials,
//                                   "/var/lib/zabitan/vmware", &vc);
//   std::vector<zv::VmPower> vms;
//   if (s.ok()) s = zv::ListVirtualMachines(*vc.client, vc.content, &vms);
//   zv::ManagedObject task;
//   if (s.ok() && !vms.empty()) s = zv::PowerOn(*vc.client, vms[0].moref, &task);
//   auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(25);
//   if (s.ok()) s = zv::WaitForTask(*vc.client, vc.content, task, deadline);
#ifndef ZABITAN_VSPHERE_VM_POWER_H_
#define ZABITAN_VSPHERE_VM_POWER_H_

#include <chrono>
#include <string>
#include <vector>

#include "zabitan/common/status.h"
#include "zabitan/vsphere/session.h"
#include "zabitan/vsphere/soap_client.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vsphere {

// Name and power state of every VM the endpoint knows.
Status ListVirtualMachines(SoapClient& client, const ServiceContent& content,
                           std::vector<VmPower>* vms);

// The VMs directly in the folder at `inventory_path` ("DC0/vm/web-pool", as
// SearchIndex.FindByInventoryPath takes it: datacenter/vm/folder...), sorted by name (byte
// order). Not those of its subfolders, nor templates (they cannot be powered on). An empty
// folder is not an error; nothing at that path, or something that is not a Folder, is one
// naming the path.
Status ListFolderVirtualMachines(SoapClient& client, const ServiceContent& content,
                                 const std::string& inventory_path, std::vector<VmPower>* vms);

// The power state of one VM.
Status ReadPowerState(SoapClient& client, const ServiceContent& content, const ManagedObject& vm,
                      std::string* power_state);

Status PowerOn(SoapClient& client, const ManagedObject& vm, ManagedObject* task);
Status PowerOff(SoapClient& client, const ManagedObject& vm, ManagedObject* task);
// Asks the guest OS to shut down (VMware Tools); the VM is off once the guest is done.
Status ShutdownGuest(SoapClient& client, const ManagedObject& vm);

// The CloneVM_Task request body: a powered-off, non-template copy of `vm` (powered on by the
// caller once it is recorded as ours). Separate from the call so that it is unit-tested.
std::string CloneVmRequest(const ManagedObject& vm, const CloneTarget& target);

Status CloneVirtualMachine(SoapClient& client, const ManagedObject& vm, const CloneTarget& target,
                           ManagedObject* task);

// The managed object of `type` (Folder, ResourcePool, Datastore, ...) named `name`; an error
// when there is none or more than one (a clone must not land somewhere by chance).
Status FindByName(SoapClient& client, const ServiceContent& content, const std::string& type,
                  const std::string& name, ManagedObject* object);

// The VM's folder (parent) and resource pool (empty for a template).
Status ReadPlacement(SoapClient& client, const ServiceContent& content, const ManagedObject& vm,
                     ManagedObject* folder, ManagedObject* pool);

// Polls the task until it succeeds (ok), fails (the task's fault) or `deadline` passes.
Status WaitForTask(SoapClient& client, const ServiceContent& content, const ManagedObject& task,
                   std::chrono::steady_clock::time_point deadline);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_VM_POWER_H_
