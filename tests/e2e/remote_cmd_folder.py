"""remote_cmd_test.py's checks of a folder as the pool (pool_folder), against the simulator."""
import importlib.machinery
import os
import types


def folder_pool_checks(t):
    """t: the test's harness (vcsim, peers, POOL, OTHER, check, config_file, up, power)."""
    vcsim, peers, POOL, OTHER = t.vcsim, t.peers, t.POOL, t.OTHER
    check, config_file, up, power = t.check, t.config_file, t.up, t.power

    # --- a folder as the pool (pool_folder) ------------------------------------------------
    # Made over SOAP by the test itself (vm-power's client): a folder PF under DC0/vm holding,
    # cloned from OTHER and powered off, PF-b then PF-a (so creation order is not name order), a
    # template PF-0tmpl and a subfolder with PF-0sub (both sort first: neither may be taken),
    # and outside the folder another VM named PF-a (the folder's must be the one powered on).
    loader = importlib.machinery.SourceFileLoader("vm_power", str(peers / "vcsim" / "vm-power"))
    vmp = types.ModuleType(loader.name)
    loader.exec_module(vmp)
    soap = vmp.Client(vcsim)
    sc = soap.call('<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this>'
                   '</RetrieveServiceContent>').find("v:returnval", vmp.NS)
    pc, si, views, root = (vmp.text(sc, "v:" + k) for k in ("propertyCollector", "searchIndex", "viewManager",
                                                               "rootFolder"))
    soap.call(f'<Login xmlns="urn:vim25"><_this type="SessionManager">{vmp.text(sc, "v:sessionManager")}</_this>'
              f'<userName>{vcsim["VCSIM_USER"]}</userName><password>{vcsim["VCSIM_PASSWORD"]}</password></Login>')

    def find(path):
        return vmp.text(soap.call(f'<FindByInventoryPath xmlns="urn:vim25"><_this type="SearchIndex">{si}</_this>'
                                  f'<inventoryPath>{path}</inventoryPath></FindByInventoryPath>'), "v:returnval")

    def new_folder(parent, name):
        return vmp.text(soap.call(f'<CreateFolder xmlns="urn:vim25"><_this type="Folder">{parent}</_this>'
                                  f'<name>{name}</name></CreateFolder>'), "v:returnval")

    def new_vm(folder, name, template="false"):
        task = vmp.text(soap.call(
            f'<CloneVM_Task xmlns="urn:vim25"><_this type="VirtualMachine">{find("DC0/vm/" + OTHER)}</_this>'
            f'<folder type="Folder">{folder}</folder><name>{name}</name><spec><location></location>'
            f'<template>{template}</template><powerOn>false</powerOn></spec></CloneVM_Task>'), "v:returnval")
        check(f"pool_folder: set-up: {name} cloned", vmp.wait_task(soap, pc, task) == "success")

    def all_states():
        return {moref: state for moref, _, state in vmp.list_vms(soap, pc, views, root)}

    PF = f"zpf{os.getpid()}"  # a simulator reused from an earlier run keeps that run's folder
    folder = new_folder(find("DC0/vm"), PF)
    for name in (f"{PF}-b", f"{PF}-a"):
        new_vm(folder, name)
    new_vm(folder, f"{PF}-0tmpl", "true")
    new_vm(new_folder(folder, "sub"), f"{PF}-0sub")
    new_vm(find("DC0/vm"), f"{PF}-a")
    inside = {n: find(f"DC0/vm/{PF}/{n}") for n in (f"{PF}-a", f"{PF}-b")}
    check("pool_folder: set-up: the outside namesake is another VM", find(f"DC0/vm/{PF}-a") not in inside.values())

    def pf_config(name, groups):
        return config_file(name, state="state-pf", groups=groups)

    def pf_group(name, host, pool_lines):
        return (f'[remote_cmd.groups.{name}]\nhosts = ["{host}"]\n{pool_lines}\nmax = 3\ncooldown = 0\n'
                f'max_actions_per_hour = 100\nshutdown_grace = 1\n')

    folder_config = pf_config("pf.toml", pf_group("pf", "vm-pf01", f'pool_folder = "DC0/vm/{PF}"'))

    def pf(event, action="scale-up", status="PROBLEM", config_path=folder_config, host="vm-pf01"):
        return up(event, action, status, config_path=config_path, host=host)

    def changed(before):
        """{moref: (before, now)} of every VM whose power state is not what it was."""
        now = all_states()
        return {m: (before.get(m), st) for m, st in now.items() if before.get(m) != st}

    before = all_states()
    r = pf(1300)
    check("pool_folder: scale-up powers on the folder's first VM by name",
          r.returncode == 0 and r.stdout == f"scale-up pf (event 1300): powered on {PF}-a (1/3 running)\n",
          (r.stdout, r.stderr))
    check("pool_folder: that VM of the folder and nothing else (not its namesake outside)",
          changed(before) == {inside[f"{PF}-a"]: ("poweredOff", "poweredOn")}, changed(before))
    before = all_states()
    r = pf(1301)
    check("pool_folder: then the next by name",
          r.returncode == 0 and r.stdout == f"scale-up pf (event 1301): powered on {PF}-b (2/3 running)\n",
          (r.stdout, r.stderr))
    check("pool_folder: again only that one", changed(before) == {inside[f"{PF}-b"]: ("poweredOff", "poweredOn")},
          changed(before))
    before = all_states()
    r = pf(1302)
    check("pool_folder: neither the template nor the subfolder's VM is a member",
          r.returncode == 0 and "has no powered-off VM left in its pool (2/3 running)" in r.stdout and
          not changed(before), (r.stdout, changed(before)))
    r = pf(1303, "scale-down", "OK")
    check("pool_folder: scale-down shuts down the latest it started",
          r.returncode == 0 and f"shut down {PF}-b (1/3 running)" in r.stdout and
          changed(before) == {inside[f"{PF}-b"]: ("poweredOn", "poweredOff")}, (r.stdout, changed(before)))

    # With pool too: the listed VMs first, in their order, then the folder's.
    both_config = pf_config("pf-both.toml", pf_group("pfboth", "vm-pfboth01",
                                                     f'pool = ["{POOL[2]}"]\npool_folder = "DC0/vm/{PF}"'))
    r = pf(1320, config_path=both_config, host="vm-pfboth01")
    check("pool and pool_folder: the listed VM first",
          r.returncode == 0 and r.stdout == f"scale-up pfboth (event 1320): powered on {POOL[2]} (2/3 running)\n",
          (r.stdout, r.stderr))
    r = pf(1321, config_path=both_config, host="vm-pfboth01")
    check("pool and pool_folder: then the folder's",
          r.returncode == 0 and r.stdout == f"scale-up pfboth (event 1321): powered on {PF}-b (3/3 running)\n",
          (r.stdout, r.stderr))
    power("off", POOL[2])

    # A folder that is not there, and a path to something that is not a Folder: the run fails
    # with one line naming the path, changes no power state and leaves the event unused.
    bad_config = pf_config("pf-bad.toml",
                           pf_group("pfmissing", "vm-pfmissing01", f'pool_folder = "DC0/vm/{PF}-nope"') +
                           pf_group("pfvm", "vm-pfvm01", f'pool_folder = "DC0/vm/{PF}/{PF}-b"'))
    before = all_states()
    for attempt in ("", ", again (the event not used up)"):
        r = pf(1330, config_path=bad_config, host="vm-pfmissing01")
        check(f"pool_folder: a missing folder fails with one line naming it{attempt}",
              r.returncode == 1 and
              r.stdout == f'scale-up pfmissing (event 1330): failed: pool_folder: no folder at "DC0/vm/{PF}-nope"\n',
              (r.returncode, r.stdout, r.stderr))
    r = pf(1331, config_path=bad_config, host="vm-pfvm01")
    check("pool_folder: a path to a VM fails with one line naming it",
          r.returncode == 1 and r.stdout == f'scale-up pfvm (event 1331): failed: pool_folder: "DC0/vm/{PF}/{PF}-b" '
          'is a VirtualMachine, not a Folder\n', (r.returncode, r.stdout, r.stderr))
    check("pool_folder: the failures changed no power state", not changed(before), changed(before))
