"""The key spec of zabbix-templates/ (what keys_test.py checks the templates and the collector's
output against) and the item-key helpers both sides use."""
import re

EP = "zabitan VMware endpoint"
HV = "zabitan VMware hypervisor"
VM = "zabitan VMware VM"
RC = "zabitan remote-cmd"

# ---- the key spec ------------------------------------------------------------------------------------
# LLD rules: template -> {rule key: macros every row carries}
RULES = {
    EP: {
        "zabitan.vmware.hv.discovery": ["{#HV.UUID}", "{#HV.NAME}", "{#HV.VISIBLE.NAME}"],
        "zabitan.vmware.vm.discovery": ["{#VM.UUID}", "{#VM.NAME}", "{#VM.VISIBLE.NAME}", "{#VM.HV.UUID}"],
        "zabitan.vmware.datastore.discovery": ["{#DATASTORE.UUID}", "{#DATASTORE.NAME}", "{#DATASTORE.TYPE}"],
    },
    HV: {
        "zabitan.vmware.hv.net.discovery": ["{#IFNAME}"],
        "zabitan.vmware.hv.datastore.discovery": ["{#DATASTORE.INSTANCE}", "{#DATASTORE.NAME}"],
    },
    VM: {
        "zabitan.vmware.vm.net.discovery": ["{#IFNAME}"],
        "zabitan.vmware.vm.vdisk.discovery": ["{#DISKNAME}"],
    },
    RC: {},
}

# Trapper items and item prototypes: (template, rule key or None, key, value type, units, KB multiplier).
# vSphere's percent counters arrive already divided by 100; KB and KBps values are multiplied by 1024
# in Zabbix (preprocessing) and shown as B and Bps.
F, U, C, T = "FLOAT", "UNSIGNED", "CHAR", "TEXT"
_DS = "zabitan.vmware.datastore.discovery"
SPEC = [
    (EP, _DS, "zabitan.vmware.datastore.size[{#DATASTORE.UUID},total]", U, "B", False),
    (EP, _DS, "zabitan.vmware.datastore.size[{#DATASTORE.UUID},free]", U, "B", False),
    (EP, _DS, "zabitan.vmware.datastore.size[{#DATASTORE.UUID},provisioned]", U, "B", False),
    (EP, _DS, "zabitan.vmware.datastore.size[{#DATASTORE.UUID},uncommitted]", U, "B", False),
    (HV, None, "zabitan.vmware.hv.powerstate", U, "", False),
    (HV, None, "zabitan.vmware.hv.uptime", U, "uptime", False),
    (HV, None, "zabitan.vmware.hv.perf[cpu.usage.average]", F, "%", False),
    (HV, None, "zabitan.vmware.hv.perf[cpu.utilization.average]", F, "%", False),
    (HV, None, "zabitan.vmware.hv.perf[mem.usage.average]", F, "%", False),
    (HV, None, "zabitan.vmware.hv.perf[net.received.average]", F, "Bps", True),
    (HV, None, "zabitan.vmware.hv.perf[net.transmitted.average]", F, "Bps", True),
    (HV, None, "zabitan.vmware.hv.perf[power.power.average]", F, "W", False),
    (HV, "zabitan.vmware.hv.net.discovery", "zabitan.vmware.hv.perf[net.received.average,{#IFNAME}]", F, "Bps", True),
    (HV, "zabitan.vmware.hv.net.discovery", "zabitan.vmware.hv.perf[net.transmitted.average,{#IFNAME}]", F, "Bps", True),
    (HV, "zabitan.vmware.hv.datastore.discovery",
     "zabitan.vmware.hv.perf[datastore.totalReadLatency.average,{#DATASTORE.INSTANCE}]", F, "ms", False),
    (HV, "zabitan.vmware.hv.datastore.discovery",
     "zabitan.vmware.hv.perf[datastore.totalWriteLatency.average,{#DATASTORE.INSTANCE}]", F, "ms", False),
    (VM, None, "zabitan.vmware.vm.powerstate", U, "", False),
    (VM, None, "zabitan.vmware.vm.uptime", U, "uptime", False),
    (VM, None, "zabitan.vmware.vm.perf[cpu.usage.average]", F, "%", False),
    (VM, None, "zabitan.vmware.vm.perf[cpu.ready.summation]", F, "ms", False),
    (VM, None, "zabitan.vmware.vm.perf[cpu.latency.average]", F, "%", False),
    (VM, None, "zabitan.vmware.vm.perf[mem.consumed.average]", F, "B", True),
    (VM, None, "zabitan.vmware.vm.perf[mem.active.average]", F, "B", True),
    (VM, None, "zabitan.vmware.vm.perf[mem.vmmemctl.average]", F, "B", True),
    (VM, None, "zabitan.vmware.vm.perf[mem.swapped.average]", F, "B", True),
    (VM, None, "zabitan.vmware.vm.perf[net.received.average]", F, "Bps", True),
    (VM, None, "zabitan.vmware.vm.perf[net.transmitted.average]", F, "Bps", True),
    (VM, "zabitan.vmware.vm.net.discovery", "zabitan.vmware.vm.perf[net.received.average,{#IFNAME}]", F, "Bps", True),
    (VM, "zabitan.vmware.vm.net.discovery", "zabitan.vmware.vm.perf[net.transmitted.average,{#IFNAME}]", F, "Bps", True),
    (VM, "zabitan.vmware.vm.vdisk.discovery", "zabitan.vmware.vm.perf[virtualDisk.read.average,{#DISKNAME}]", F, "Bps", True),
    (VM, "zabitan.vmware.vm.vdisk.discovery", "zabitan.vmware.vm.perf[virtualDisk.write.average,{#DISKNAME}]", F, "Bps", True),
    (VM, "zabitan.vmware.vm.vdisk.discovery",
     "zabitan.vmware.vm.perf[virtualDisk.totalReadLatency.average,{#DISKNAME}]", F, "ms", False),
    (VM, "zabitan.vmware.vm.vdisk.discovery",
     "zabitan.vmware.vm.perf[virtualDisk.totalWriteLatency.average,{#DISKNAME}]", F, "ms", False),
    (RC, None, "zabitan.remote.result", T, "", False),
    (RC, None, "zabitan.remote.members", U, "", False),
    (RC, None, "zabitan.remote.status", U, "", False),
]
# Computed by Zabbix, never sent: allowed besides the spec, must not be trapper items.
DERIVED = {(EP, "zabitan.vmware.datastore.pfree[{#DATASTORE.UUID}]"): "CALCULATED"}
# Value maps: template -> {name: {value: text}}, each exactly so (Zabbix's own VMware templates'
# numbers), and the items that must use them: (template, key) -> value map name.
VALUEMAPS = {
    HV: {"VMware HostSystemPowerState": {"0": "poweredOff", "1": "poweredOn", "2": "standBy", "3": "unknown"}},
    VM: {"VMware VirtualMachinePowerState": {"0": "poweredOff", "1": "poweredOn", "2": "suspended"}},
}
VALUEMAP_OF = {
    (HV, "zabitan.vmware.hv.powerstate"): "VMware HostSystemPowerState",
    (VM, "zabitan.vmware.vm.powerstate"): "VMware VirtualMachinePowerState",
}
# The only values the collector may send to these keys: those of their value maps.
ENUM_VALUES = {key: set(VALUEMAPS[t][name]) for (t, key), name in VALUEMAP_OF.items()}
HOST_PROTOTYPES = {  # rule key -> (host, visible name, linked template)
    "zabitan.vmware.hv.discovery": ("{#HV.UUID}", "{#HV.VISIBLE.NAME}", HV),
    "zabitan.vmware.vm.discovery": ("{#VM.UUID}", "{#VM.VISIBLE.NAME}", VM),
}
TRIGGERS = {  # template -> {name: expression} that must exist exactly so
    VM: {"VM CPU high": "min(/zabitan VMware VM/zabitan.vmware.vm.perf[cpu.usage.average],"
                        "{$ZABITAN.VM.CPU.HIGH.PERIOD})>{$ZABITAN.VM.CPU.HIGH}",
         "VM is not powered on": "last(/zabitan VMware VM/zabitan.vmware.vm.powerstate)<>1"},  # poweredOn
    RC: {"zabitan scaling failed": "last(/zabitan remote-cmd/zabitan.remote.status)=1"},
    HV: {"Hypervisor is powered off or unreachable":  # poweredOff or unknown
         "last(/zabitan VMware hypervisor/zabitan.vmware.hv.powerstate)=0 or "
         "last(/zabitan VMware hypervisor/zabitan.vmware.hv.powerstate)=3"},
}
MACROS = {VM: {"{$ZABITAN.VM.CPU.HIGH}": "90", "{$ZABITAN.VM.CPU.HIGH.PERIOD}": "5m"}}
GRAPHS = {HV: {"Hypervisor CPU", "Hypervisor memory"}, VM: {"VM CPU usage", "VM memory", "VM network"}}
MEDIA = {"name": "zabitan SSTP", "type": "SCRIPT", "script_name": "zabitan-sstp",
         "parameters": ["--media-type", "{ALERT.SENDTO}", "{ALERT.SUBJECT}", "{ALERT.MESSAGE}"]}

UUID4 = re.compile(r"^[0-9a-f]{12}4[0-9a-f]{3}[89ab][0-9a-f]{15}$")
LLD_MACRO = re.compile(r"\{#[A-Z0-9_.]+\}")


# ---- item keys ---------------------------------------------------------------------------------------
def split_key(key):
    """(name, [params]) of a Zabbix item key; quoted params unquoted. Nested arrays are not used here."""
    m = re.match(r"^([A-Za-z0-9_.-]+)(?:\[(.*)\])?$", key, re.S)
    if not m:
        raise ValueError("not an item key: %r" % key)
    name, body = m.group(1), m.group(2)
    if body is None:
        return name, None
    params, i = [], 0
    while True:
        while i < len(body) and body[i] == " ":
            i += 1
        if i < len(body) and body[i] == '"':
            j, val = i + 1, ""
            while j < len(body) and body[j] != '"':
                if body[j] == "\\" and j + 1 < len(body) and body[j + 1] == '"':
                    j += 1
                val += body[j]
                j += 1
            if j >= len(body):
                raise ValueError("unterminated quote in %r" % key)
            i = j + 1
            while i < len(body) and body[i] == " ":
                i += 1
        else:
            j = body.find(",", i)
            j = len(body) if j < 0 else j
            val = body[i:j].rstrip(" ")
            i = j
        params.append(val)
        if i >= len(body):
            return name, params
        if body[i] != ",":
            raise ValueError("bad parameter list in %r" % key)
        i += 1


def match_key(pattern, key):
    """{macro: value} when `key` is an instance of the template key `pattern` (LLD macros match any
    parameter text), else None."""
    try:
        pn, pp = split_key(pattern)
        kn, kp = split_key(key)
    except ValueError:
        return None
    if pn != kn or (pp is None) != (kp is None) or (pp is not None and len(pp) != len(kp)):
        return None
    got = {}
    for p, v in zip(pp or [], kp or []):
        macros = LLD_MACRO.findall(p)
        if not macros:
            if p != v:
                return None
            continue
        rx = "".join("(.*)" if LLD_MACRO.fullmatch(part) else re.escape(part)
                      for part in re.split(r"(\{#[A-Z0-9_.]+\})", p) if part)
        m = re.fullmatch(rx, v, re.S)
        if not m:
            return None
        for mac, val in zip(macros, m.groups()):
            if got.get(mac, val) != val:
                return None
            got[mac] = val
    return got
