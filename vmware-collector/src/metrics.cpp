#include "zabitan/vmware_collector/metrics.h"

#include <algorithm>
#include <set>
#include <tuple>

#include <nlohmann/json.hpp>

namespace zabitan::vmware_collector {
namespace {

constexpr bool kAggregate = true, kInstanceOnly = false;

MetricSpec Aggregate(std::string path) {
  return {std::move(path), kAggregate, InstanceKind::kNone};
}
MetricSpec Instances(std::string path, bool aggregate, InstanceKind kind) {
  return {std::move(path), aggregate, kind};
}

std::string Prefix(std::string_view type) {
  return type == "VirtualMachine" ? "zabitan.vmware.vm." : "zabitan.vmware.hv.";
}

// Where the instances of one kind are discovered, and under which macro.
struct DiscoveryRule {
  InstanceKind kind;
  const char* key;  // after the prefix
  const char* macro;
};
constexpr DiscoveryRule kRules[] = {
    {InstanceKind::kNic, "net.discovery", "{#IFNAME}"},
    {InstanceKind::kVirtualDisk, "vdisk.discovery", "{#DISKNAME}"},
    {InstanceKind::kDatastore, "datastore.discovery", "{#DATASTORE.INSTANCE}"},
};

// The last part of a datastore URL: "ds:///vmfs/volumes/5a7c…-…/" -> "5a7c…-…".
std::string UrlTail(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  size_t slash = url.rfind('/');
  return std::string(slash == std::string_view::npos ? url : url.substr(slash + 1));
}

}  // namespace

std::vector<MetricSpec> DefaultMetrics(std::string_view type) {
  if (type == "VirtualMachine") {
    return {Aggregate("cpu.usage.average"),
            Aggregate("cpu.ready.summation"),
            Aggregate("cpu.latency.average"),
            Aggregate("mem.consumed.average"),
            Aggregate("mem.active.average"),
            Aggregate("mem.vmmemctl.average"),  // ballooned
            Aggregate("mem.swapped.average"),
            Instances("net.received.average", kAggregate, InstanceKind::kNic),
            Instances("net.transmitted.average", kAggregate, InstanceKind::kNic),
            Instances("virtualDisk.read.average", kInstanceOnly, InstanceKind::kVirtualDisk),
            Instances("virtualDisk.write.average", kInstanceOnly, InstanceKind::kVirtualDisk),
            Instances("virtualDisk.totalReadLatency.average", kInstanceOnly,
                      InstanceKind::kVirtualDisk),
            Instances("virtualDisk.totalWriteLatency.average", kInstanceOnly,
                      InstanceKind::kVirtualDisk)};
  }
  if (type == "HostSystem") {
    return {
        Aggregate("cpu.usage.average"),
        Aggregate("cpu.utilization.average"),
        Aggregate("mem.usage.average"),
        Aggregate("power.power.average"),
        Instances("net.received.average", kAggregate, InstanceKind::kNic),
        Instances("net.transmitted.average", kAggregate, InstanceKind::kNic),
        Instances("datastore.totalReadLatency.average", kInstanceOnly, InstanceKind::kDatastore),
        Instances("datastore.totalWriteLatency.average", kInstanceOnly, InstanceKind::kDatastore)};
  }
  return {};
}

void AddExtraCounters(const std::vector<std::string>& extra,
                      const std::map<std::string, vsphere::Counter>& catalogue,
                      std::vector<MetricSpec>* specs, std::vector<std::string>* unknown) {
  for (const std::string& path : extra) {
    if (!catalogue.contains(path)) {
      if (std::find(unknown->begin(), unknown->end(), path) == unknown->end())
        unknown->push_back(path);
      continue;
    }
    auto same = std::find_if(specs->begin(), specs->end(),
                             [&path](const MetricSpec& s) { return s.path == path; });
    if (same != specs->end())
      same->aggregate = true;
    else
      specs->push_back(Aggregate(path));
  }
}

bool QuoteKeyParam(std::string_view param, std::string* out) {
  bool plain = !param.starts_with('"') && !param.starts_with(' ') &&
               param.find(',') == std::string_view::npos &&
               param.find(']') == std::string_view::npos;
  if (plain) {
    *out = param;
    return true;
  }
  if (param.ends_with('\\')) return false;  // "…\" would escape the closing quote
  out->assign("\"");
  for (char c : param) {
    if (c == '"') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
  return true;
}

std::string PerfKey(std::string_view type, const MetricSpec& spec, std::string_view instance) {
  std::string path;
  if (!QuoteKeyParam(spec.path, &path)) return "";  // real counter paths never need quoting
  std::string key = Prefix(type) + "perf[" + path;
  if (instance.empty()) return spec.aggregate ? key + "]" : "";
  std::string param;
  // "*" is the query's wildcard, not an instance: stock vcsim echoes it instead of expanding it.
  if (spec.instances == InstanceKind::kNone || instance == "*" || !QuoteKeyParam(instance, &param))
    return "";
  return key + "," + param + "]";
}

std::vector<sender::Value> InstanceDiscoveryValues(std::string_view type,
                                                   const std::vector<MetricSpec>& specs,
                                                   const std::vector<vsphere::Series>& series,
                                                   const std::vector<vsphere::Entity>& datastores,
                                                   uint32_t clock) {
  std::map<std::string, InstanceKind> kind_of;  // counter path -> its instances' kind
  for (const MetricSpec& s : specs) kind_of[s.path] = s.instances;
  std::map<std::string, std::string> datastore_name;  // instance -> name
  for (const vsphere::Entity& d : datastores) {
    if (d.moref.type != "Datastore") continue;
    auto url = d.properties.find("summary.url");
    if (url != d.properties.end() && !UrlTail(url->second).empty())
      datastore_name[UrlTail(url->second)] = d.name;
  }
  // entity uuid -> kind -> instances, in order; entities in the order first seen.
  std::vector<std::string> order;
  std::map<std::string, std::map<InstanceKind, std::set<std::string>>> found;
  for (const vsphere::Series& s : series) {
    if (s.instance.empty() || s.instance == "*" || s.entity == nullptr || s.entity->uuid.empty() ||
        s.counter == nullptr) {
      continue;
    }
    auto kind = kind_of.find(s.counter->path);
    if (kind == kind_of.end() || kind->second == InstanceKind::kNone) continue;
    std::string param;
    if (!QuoteKeyParam(s.instance, &param)) continue;  // its values cannot be sent either
    if (!found.contains(s.entity->uuid)) order.push_back(s.entity->uuid);
    found[s.entity->uuid][kind->second].insert(s.instance);
  }
  std::vector<sender::Value> values;
  for (const std::string& uuid : order) {
    for (const DiscoveryRule& rule : kRules) {
      auto instances = found[uuid].find(rule.kind);
      if (instances == found[uuid].end()) continue;
      nlohmann::json rows = nlohmann::json::array();
      for (const std::string& instance : instances->second) {
        nlohmann::json row = {{rule.macro, instance}};
        if (rule.kind == InstanceKind::kDatastore) {
          if (auto name = datastore_name.find(instance); name != datastore_name.end()) {
            row["{#DATASTORE.NAME}"] = name->second;
          }
        }
        rows.push_back(std::move(row));
      }
      values.push_back({uuid, Prefix(type) + rule.key,
                        rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), clock,
                        0u});
    }
  }
  return values;
}

std::string PendingGroup(const std::string& host, const std::string& key,
                         const std::set<std::string>& extra_paths) {
  const size_t open = key.find('[');
  if (open == std::string::npos) return host + "\n";
  const std::string name = key.substr(0, open);
  const size_t comma = key.find(',', open);
  if (name.size() >= 5 && name.compare(name.size() - 5, 5, ".perf") == 0) {
    const std::string path =
        key.substr(open + 1, (comma == std::string::npos ? key.size() - 1 : comma) - open - 1);
    if (extra_paths.count(path) > 0) return "";
    if (comma == std::string::npos) return host + "\n";
    return host + "\n" + name + ":" + path.substr(0, path.find('.'));
  }
  return comma == std::string::npos ? host + "\n" : host + "\n" + name;
}

std::set<std::string> NamedCounterPaths(const std::vector<std::string>& vm,
                                        const std::vector<std::string>& hv) {
  std::set<std::string> extra(vm.begin(), vm.end());
  extra.insert(hv.begin(), hv.end());
  for (const char* type : {"HostSystem", "VirtualMachine"}) {
    for (const MetricSpec& spec : DefaultMetrics(type)) extra.erase(spec.path);
  }
  return extra;
}

}  // namespace zabitan::vmware_collector
