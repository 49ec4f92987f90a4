#include "executor.h"

#include <algorithm>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <thread>

#include "decision.h"
#include "group_state.h"
#include "pool.h"
#include "zabitan/common/log.h"
#include "zabitan/common/secret_file.h"
#include "zabitan/common/trusted_file.h"
#include "zabitan/sender/destination.h"
#include "zabitan/sender/sender.h"
#include "zabitan/sender/tls.h"
#include "zabitan/sstp_notify/notifier.h"
#include "zabitan/sstp_notify/script.h"
#include "zabitan/sstp_notify/settings.h"
#include "zabitan/vsphere/session.h"
#include "zabitan/vsphere/soap_client.h"
#include "zabitan/vsphere/vm_power.h"

namespace zabitan::remote_cmd {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds Left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

// A vSphere connection for the group's endpoint, its session kept in the state folder between
// invocations (the same reuse as zabitan-vmware: no session per alert).
struct VSphere {
  std::unique_ptr<vsphere::SoapClient> client;
  vsphere::ServiceContent sc;

  Status Connect(const Endpoint& e, const std::string& state_dir, Clock::time_point deadline) {
    vsphere::Credentials credentials{e.user, {}};
    if (Status s = ReadTrustedFile(e.password_file, true, &credentials.password); !s.ok()) return s;
    StripLineEnd(&credentials.password);
    vsphere::SoapOptions so;
    so.url = e.url;
    so.ca_file = e.ca_file;
    so.thumbprint = e.thumbprint;
    so.insecure = e.insecure;
    so.connect_timeout = std::min(Left(deadline), so.connect_timeout);
    so.timeout = std::min(Left(deadline), so.timeout);
    vsphere::Connection vc;
    Status s = vsphere::Connect(so, &credentials, state_dir, &vc);
    client = std::move(vc.client);
    sc = vc.content;
    return s.ok() ? s : s.Prefixed(e.url);
  }
};

// The power states of the group's pool (its `pool` list, then the VMs of its pool_folder by
// name) and of the clones it made, and every VM name vSphere knows (a clone's name must be
// free). A VM of the folder is the folder's object, not another VM of the same name elsewhere.
Status PoolStates(VSphere& vs, const Group& g, const GroupState& state,
                  std::vector<PoolMember>* pool,
                  std::map<std::string, vsphere::ManagedObject>* morefs,
                  std::vector<std::string>* names) {
  std::vector<vsphere::VmPower> in_folder;
  if (!g.pool_folder.empty()) {
    if (Status s = vsphere::ListFolderVirtualMachines(*vs.client, vs.sc, g.pool_folder, &in_folder);
        !s.ok()) {
      return s.Prefixed("pool_folder");
    }
  }
  std::vector<vsphere::VmPower> vms;
  if (Status s = vsphere::ListVirtualMachines(*vs.client, vs.sc, &vms); !s.ok()) return s;
  names->clear();
  for (const vsphere::VmPower& vm : vms) names->push_back(vm.name);
  std::vector<std::string> members = g.pool;
  auto add = [&](const std::string& name) {
    if (std::find(members.begin(), members.end(), name) == members.end()) members.push_back(name);
  };
  for (const vsphere::VmPower& vm : in_folder) add(vm.name);
  for (const std::string& c : state.clones) add(c);
  if (Status s = MatchPool(members, in_folder, vms, pool, morefs); !s.ok()) return s;
  for (const PoolMember& m : *pool) {
    if (m.power_state.empty())
      log::Warning("pool VM \"" + m.name + "\" of group " + g.name + " is unknown to vSphere");
  }
  return Status::Ok();
}

// Clones the group's template as `name`, waits for the task and records the clone in `state`
// (saved at once: from then on it is a member we made, whatever happens next), then finds it.
Status CloneVm(VSphere& vs, const Group& g, const std::string& policy_state_dir,
               const std::string& name, GroupState* state, Clock::time_point deadline,
               std::vector<std::string>* tasks, vsphere::ManagedObject* clone) {
  vsphere::ManagedObject source;
  if (Status s =
          vsphere::FindByName(*vs.client, vs.sc, "VirtualMachine", g.clone_template, &source);
      !s.ok()) {
    return s.Prefixed("template");
  }
  vsphere::CloneTarget target;
  target.name = name;
  if (Status s = vsphere::ReadPlacement(*vs.client, vs.sc, source, &target.folder, &target.pool);
      !s.ok())
    return s;
  if (!g.folder.empty()) {
    if (Status s = vsphere::FindByName(*vs.client, vs.sc, "Folder", g.folder, &target.folder);
        !s.ok())
      return s;
  }
  if (!g.resource_pool.empty()) {
    if (Status s =
            vsphere::FindByName(*vs.client, vs.sc, "ResourcePool", g.resource_pool, &target.pool);
        !s.ok()) {
      return s;
    }
  }
  if (!g.datastore.empty()) {
    if (Status s =
            vsphere::FindByName(*vs.client, vs.sc, "Datastore", g.datastore, &target.datastore);
        !s.ok()) {
      return s;
    }
  }
  vsphere::ManagedObject task;
  if (Status s = vsphere::CloneVirtualMachine(*vs.client, source, target, &task); !s.ok()) return s;
  tasks->push_back(task.value);
  Status waited = vsphere::WaitForTask(*vs.client, vs.sc, task, deadline);
  // Recorded even when the wait ran out: the clone may still appear, and it is then ours to
  // power on (a later scale-up) or shut down, never a stranger's VM.
  state->clones.push_back(name);
  if (Status s = SaveGroupState(policy_state_dir, g.name, *state); !s.ok()) log::Error(s.message());
  if (!waited.ok()) return waited;
  return vsphere::FindByName(*vs.client, vs.sc, "VirtualMachine", name, clone);
}

// Shuts the VM down gracefully, then (after the grace period, or at once when the guest cannot
// take the request, e.g. ToolsUnavailable) hard. `*forced` says why it was powered off hard,
// empty after a clean guest shutdown: the admin must see in the action log that a guest was cut.
Status StopVm(VSphere& vs, const vsphere::ManagedObject& vm, const Group& g,
              Clock::time_point deadline, std::vector<std::string>* tasks, std::string* forced) {
  Status s = vsphere::ShutdownGuest(*vs.client, vm);
  if (s.ok()) {
    const auto asked = Clock::now();
    auto grace_end = std::min(deadline - std::chrono::seconds(2), asked + g.shutdown_grace);
    for (;;) {
      std::string state;
      if (Status r = vsphere::ReadPowerState(*vs.client, vs.sc, vm, &state);
          r.ok() && state == "poweredOff") {
        return Status::Ok();
      }
      if (Clock::now() + std::chrono::milliseconds(200) > grace_end) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    // Rounded: the last poll ends up to 200 ms before the grace does.
    const auto waited = std::chrono::round<std::chrono::seconds>(Clock::now() - asked);
    *forced = "the guest did not shut down within " + std::to_string(waited.count()) + " s";
  } else {
    *forced = "guest shutdown failed: " + s.message();
  }
  vsphere::ManagedObject task;
  if (Status p = vsphere::PowerOff(*vs.client, vm, &task); !p.ok()) return p;
  tasks->push_back(task.value);
  return vsphere::WaitForTask(*vs.client, vs.sc, task, deadline);
}

}  // namespace

Outcome Execute(const Invocation& inv, const Policy& policy, const Group& g, const Config&,
                Clock::time_point deadline,
                const std::function<Status(const std::string& decision)>& starting) {
  Outcome o;
  const std::string what =
      std::string(ActionName(inv.action)) + " " + g.name + " (event " + inv.event_id + ")";
  auto fail = [&](const std::string& why) {
    o.code = Outcome::kFailed;
    o.line = what + ": failed: " + why;
    return o;
  };
  GroupLock lock;
  if (Status s = GroupLock::Acquire(policy.state_dir, g.name, deadline, &lock); !s.ok())
    return fail(s.message());
  GroupState state;
  if (Status s = LoadGroupState(policy.state_dir, g.name, &state); !s.ok())
    return fail(s.message());
  // A run that died between its pending save and its outcome: what it may have done counts,
  // before anything else is decided.
  if (state.ReconcilePending()) {
    for (const auto& [key, outcome] : state.handled) {
      if (outcome.starts_with("interrupted: "))
        log::Warning("group " + g.name + ", event " + key + ": " + outcome);
    }
    if (Status s = SaveGroupState(policy.state_dir, g.name, state); !s.ok()) {
      return fail("cannot record an interrupted action, nothing done: " + s.message());
    }
  }
  if (inv.action != Action::kStatus) {
    if (const std::string* before = state.Outcome(EventKey(inv))) {
      o.decision =
          "event " + inv.event_id + " was handled already (" + *before + "): nothing to do";
      o.line = what + ": " + o.decision;
      return o;
    }
  }
  VSphere vs;
  if (Status s = vs.Connect(g.endpoint, policy.state_dir, deadline); !s.ok())
    return fail(s.message());
  std::vector<PoolMember> pool;
  std::map<std::string, vsphere::ManagedObject> morefs;
  std::vector<std::string> names;
  if (Status s = PoolStates(vs, g, state, &pool, &morefs, &names); !s.ok())
    return fail(s.message());
  const int64_t now = std::time(nullptr);
  Decision d = Decide(inv, g, state, pool, now, names);
  o.decision = d.reason;
  o.members = d.members;
  o.vm = d.vm;
  if (d.kind == Decision::kNothing || inv.dry_run) {
    o.line = what + ": " + (inv.dry_run ? "dry run, would " : "") + d.reason;
    return o;
  }
  // Saved before vSphere is asked, and nothing is asked if it cannot be: a run killed, crashed
  // or out of disk from here on leaves a record the next run reconciles, never an event that
  // acts twice or a VM no scale-down knows.
  state.pending.push_back({EventKey(inv),
                           d.kind == Decision::kPowerOn ? "power on"
                           : d.kind == Decision::kClone ? "clone"
                                                        : "shut down",
                           d.vm, now});
  if (Status s = SaveGroupState(policy.state_dir, g.name, state); !s.ok()) {
    return fail("cannot save the state before acting, nothing done: " + s.message());
  }
  if (Status s = starting(d.reason); !s.ok())
    return fail("cannot audit the action, nothing done: " + s.message());
  vsphere::ManagedObject vm = morefs[d.vm];
  Status acted;
  if (d.kind == Decision::kClone) {
    acted = CloneVm(vs, g, policy.state_dir, d.vm, &state,
                    deadline - std::chrono::milliseconds(500), &o.tasks, &vm);
  }
  if (d.kind == Decision::kPowerOn || (d.kind == Decision::kClone && acted.ok())) {
    vsphere::ManagedObject task;
    acted = vsphere::PowerOn(*vs.client, vm, &task);
    if (acted.ok()) {
      o.tasks.push_back(task.value);
      // Remembered as ours from the moment the task exists: a budget that runs out before the
      // task ends still leaves a state that says who started it.
      state.started.push_back(d.vm);
      acted =
          vsphere::WaitForTask(*vs.client, vs.sc, task, deadline - std::chrono::milliseconds(500));
    }
  }
  std::string forced;
  if (d.kind == Decision::kShutDown) {
    acted = StopVm(vs, vm, g, deadline - std::chrono::milliseconds(500), &o.tasks, &forced);
    if (acted.ok())
      state.started.erase(std::find(state.started.begin(), state.started.end(), d.vm));
  }
  const std::string done = d.kind == Decision::kPowerOn ? "powered on " + d.vm
                           : d.kind == Decision::kClone
                               ? "cloned " + g.clone_template + " as " + d.vm + " and powered it on"
                           : forced.empty() ? "shut down " + d.vm
                                            : "powered off " + d.vm + ", " + forced;
  state.pending.clear();
  state.last_action = now;
  state.actions.push_back(now);
  state.actions.erase(std::remove_if(state.actions.begin(), state.actions.end(),
                                     [&](int64_t t) { return t < now - 3600; }),
                      state.actions.end());
  state.Remember(EventKey(inv), acted.ok() ? done : "failed: " + acted.message());
  // A failed save leaves the pending record on disk: the next run reconciles it as interrupted.
  if (Status s = SaveGroupState(policy.state_dir, g.name, state); !s.ok()) log::Error(s.message());
  if (!acted.ok()) return fail(d.reason + ": " + acted.message());
  o.members = d.members + (d.kind == Decision::kShutDown ? -1 : 1);
  o.code = Outcome::kOk;
  o.line = what + ": " + done + " (" + std::to_string(o.members) + "/" + std::to_string(g.max) +
           " running)";
  return o;
}

Status Report(const Policy& policy, const Outcome& o, Clock::time_point deadline) {
  if (policy.report_server.empty()) return Status::Ok();
  sender::SenderOptions so;
  if (Status s = sender::ParseDestinations(policy.report_server, 10051, &so.destinations);
      !s.ok()) {
    return s.Prefixed("report_server");
  }
  const ReportTls& rt = policy.report_tls;
  if (!rt.connect.empty() && rt.connect != "unencrypted") {
    sender::TlsOptions t;
    if (Status s = sender::ParseTlsMode(rt.connect, &t.mode); !s.ok())
      return s.Prefixed("report_tls_connect");
    t.psk_identity = rt.psk_identity;
    t.psk_file = rt.psk_file;
    t.ca_file = rt.ca_file;
    t.crl_file = rt.crl_file;
    t.cert_file = rt.cert_file;
    t.key_file = rt.key_file;
    t.server_cert_issuer = rt.server_cert_issuer;
    t.server_cert_subject = rt.server_cert_subject;
    t.check_host = rt.check_host;
    // The sender's messages name its flags (--tls-psk-file); here they are report_tls_* keys.
    if (Status s = sender::TlsContext::Create(t, &so.exchange.tls); !s.ok())
      return s.Prefixed("report TLS");
  }
  auto budget = std::min(Left(deadline), std::chrono::milliseconds(5000));
  so.exchange.connect_timeout = budget;
  so.exchange.timeout = budget;
  so.connections = 1;
  Status failure;
  sender::Sender out(so, [&](const sender::BatchOutcome& b) {
    if (!b.status.ok()) failure = b.status;
    if (b.response && (!b.response->success || b.response->failed.value_or(0) > 0)) {
      failure =
          Status::Error("Zabbix refused " + std::to_string(b.response->failed.value_or(b.values)) +
                        " value(s): are the zabitan "
                        "remote-cmd template's items on host \"" +
                        policy.report_host + "\"?");
    }
  });
  out.Add(sender::ValueView(policy.report_host, "zabitan.remote.result", o.line));
  const std::string members = std::to_string(o.members);
  if (o.members >= 0)
    out.Add(sender::ValueView(policy.report_host, "zabitan.remote.members", members));
  const std::string code = std::to_string(static_cast<int>(o.code));
  out.Add(sender::ValueView(policy.report_host, "zabitan.remote.status", code));
  out.Finish();
  return failure.ok() ? failure : failure.Prefixed("report to " + policy.report_server);
}

Status Notify(const Policy& policy, const Config& config, const Invocation& inv, const Group& g,
              const Outcome& o, Clock::time_point deadline) {
  if (!policy.notify || o.code == Outcome::kNothing) return Status::Ok();
  sstp_notify::Settings settings;
  if (Status s = sstp_notify::ApplyConfig(config, &settings); !s.ok()) return s;
  std::unique_ptr<sstp_notify::Transport> transport;
  if (Status s = sstp_notify::MakeTransport(settings, &transport, Left(deadline)); !s.ok())
    return s;
  // Not sstp_notify::OpenSpool: its lock wait is a fixed 20 s, and this wait gets the time left.
  std::unique_ptr<Spool> spool;
  if (!settings.spool.empty()) {
    const uint64_t max_bytes = settings.spool_max_bytes
                                   ? static_cast<uint64_t>(*settings.spool_max_bytes)
                                   : sstp_notify::kDefaultSpoolMaxBytes;
    if (Status s = Spool::Open(settings.spool, max_bytes, Left(deadline), &spool); !s.ok())
      return s;
  }
  const std::string& speech = o.code == Outcome::kFailed ? policy.failure_speech
                              : inv.wants_scale_down()   ? policy.scale_down_speech
                                                         : policy.scale_up_speech;
  sstp_notify::Request r;
  if (!settings.sender.empty()) r.sender = settings.sender;
  if (!settings.charset.empty()) r.charset = settings.charset;
  r.script =
      sstp_notify::Speech(speech).Render({{"vm", o.vm},
                                          {"host", inv.host},
                                          {"group", g.name},
                                          {"members", std::to_string(std::max(o.members, 0))},
                                          {"max", std::to_string(g.max)},
                                          {"result", o.line}});
  sstp_notify::NotifierOptions no;
  if (settings.expire) no.expire = std::chrono::seconds(*settings.expire);
  no.deadline = deadline;
  sstp_notify::Notifier notifier(*transport, spool.get(), no);
  sstp_notify::Delivery d = notifier.Deliver(r);
  if (d.outcome == sstp_notify::Delivery::kDelivered ||
      d.outcome == sstp_notify::Delivery::kSpooled)
    return Status::Ok();
  return d.status.Prefixed("notify");
}

}  // namespace zabitan::remote_cmd
