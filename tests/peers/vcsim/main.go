// zabitan-vcsim: a vCenter/ESXi SOAP simulator for zabitan's tests.
//
// A thin main around github.com/vmware/govmomi/simulator (Debian's 0.24.2,
// built with GOPATH=/usr/share/gocode GO111MODULE=off; see ./build). It builds
// an inventory, listens on -listen, prints the bound URL and the credentials as
// VCSIM_*=value lines on stdout, optionally writes the URL to -ready-file, and
// on SIGTERM/SIGINT/SIGHUP closes the server, calls Model.Remove() (which
// deletes the $TMPDIR/govcsim-* datastore folders) and exits 0.
//
// Inventory (-mode vpx): per datacenter, -hosts standalone hosts and -clusters
// clusters of -cluster-hosts hosts each; -vms VMs per standalone host and per
// cluster (in the cluster's root resource pool); -datastores local datastores
// per datacenter, mounted on every host of it. So VMs = vms*(hosts+clusters)
// per datacenter. -mode esx: one host (ha-host), -vms VMs on it.
//
// Performance data needs nothing on the server side: QueryPerf returns
// synthetic samples for VirtualMachine, HostSystem and ResourcePool (and in
// vpx mode ClusterComputeResource, Datastore, Datacenter). The *client* must
// send maxSample (>0) and at least one metricId, or the reply has no samples.
// -realistic-perf makes the reply look more like a real vCenter (see README),
// including instance "*" expanded to the entity's NICs, disks and datastores
// and zero values kept on the wire; -max-query-metrics N sets and enforces
// vCenter's config.vpxd.stats.maxQueryMetrics.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"math"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "zabitan-vcsim: "+format+"\n", args...)
	os.Exit(2)
}

// writeAtomic writes data to path through a temporary file in the same
// folder and a rename, so a reader never sees a partial file.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(mode)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, path)
	}
	if err != nil {
		os.Remove(name)
	}
	return err
}

// selfSigned returns a fresh ECDSA P-256 certificate for 127.0.0.1, ::1 and
// localhost, valid from an hour ago for ten years.
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "127.0.0.1", Organization: []string{"zabitan vcsim"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// colonHex formats a digest the way vSphere and openssl show thumbprints.
func colonHex(sum []byte) string {
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

func main() {
	mode := flag.String("mode", "vpx", "vpx (vCenter 6.5) or esx (standalone ESXi 6.5)")
	listen := flag.String("listen", "127.0.0.1:0", "address to listen on; port 0 picks a free port")
	datacenters := flag.Int("datacenters", 1, "vpx: datacenters")
	hosts := flag.Int("hosts", 1, "vpx: standalone hosts per datacenter")
	clusters := flag.Int("clusters", 1, "vpx: clusters per datacenter")
	clusterHosts := flag.Int("cluster-hosts", 3, "vpx: hosts per cluster")
	vms := flag.Int("vms", 2, "VMs per standalone host and per cluster (vpx); VMs on the host (esx)")
	datastores := flag.Int("datastores", 1, "local datastores per datacenter, mounted on all its hosts")
	useTLS := flag.Bool("tls", false, "serve https with a fresh self-signed certificate")
	certOut := flag.String("cert-out", "", "with -tls: write the server certificate (PEM) here")
	readyFile := flag.String("ready-file", "", "write the URL here (atomically) once listening")
	user := flag.String("user", "", "require this user name (default: any non-empty user/password is accepted)")
	password := flag.String("password", "", "with -user: require this password")
	delay := flag.Int("delay", 0, "delay every SOAP call by this many milliseconds")
	idle := flag.Duration("idle", 0, "expire sessions idle this long (0: never)")
	realistic := flag.Bool("realistic-perf", false, "default maxSample, oldest-first aligned samples, zeros kept, \"*\" expanded to instances, working QueryPerfCounter")
	maxQueryMetrics := flag.Int("max-query-metrics", 0, "vpx with -realistic-perf: set config.vpxd.stats.maxQueryMetrics to N and refuse QueryPerf calls over it (0: the option is absent, no limit)")
	var cpuUsage []string
	instance := flag.String("instance", "", "one of several simulated vCenters of the same shape: VM and host names start with INSTANCE- and their UUIDs derive from it too")
	uuidSeed := flag.String("uuid-seed", "", "like -instance, but the names are kept: UUIDs derive from SEED (several vCenters whose VM and host names overlap)")
	var renames []string
	flag.Func("rename", "OLD=NEW: the VM OLD is named NEW, also when another VM has that name (VMs of one name in two folders); repeatable",
		func(v string) error { renames = append(renames, v); return nil })
	flag.Func("cpu-usage", "with -realistic-perf: NAME=PERCENT, every cpu.usage.average sample of the VM NAME is PERCENT (a busy VM); repeatable",
		func(v string) error { cpuUsage = append(cpuUsage, v); return nil })
	flag.Parse()
	if flag.NArg() != 0 {
		fatalf("unexpected argument %q", flag.Arg(0))
	}

	var m *simulator.Model
	switch *mode {
	case "vpx":
		m = simulator.VPX()
		m.Datacenter = *datacenters
		m.Host = *hosts
		m.Cluster = *clusters
		m.ClusterHost = *clusterHosts
	case "esx":
		m = simulator.ESX()
		flag.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "datacenters", "hosts", "clusters", "cluster-hosts":
				fatalf("-%s applies to -mode vpx only", f.Name)
			}
		})
	default:
		fatalf("-mode must be vpx or esx, not %q", *mode)
	}
	for name, v := range map[string]int{"datacenters": *datacenters, "hosts": *hosts, "clusters": *clusters,
		"cluster-hosts": *clusterHosts, "vms": *vms, "datastores": *datastores, "delay": *delay,
		"max-query-metrics": *maxQueryMetrics} {
		if v < 0 {
			fatalf("-%s must not be negative", name)
		}
	}
	if *certOut != "" && !*useTLS {
		fatalf("-cert-out needs -tls")
	}
	if *maxQueryMetrics != 0 && (*mode != "vpx" || !*realistic) {
		fatalf("-max-query-metrics needs -mode vpx and -realistic-perf")
	}
	if len(cpuUsage) > 0 && !*realistic {
		fatalf("-cpu-usage needs -realistic-perf")
	}
	if (*user == "") != (*password == "") {
		fatalf("-user and -password go together")
	}
	m.Machine = *vms
	m.Datastore = *datastores
	m.DelayConfig.Delay = *delay
	simulator.SessionIdleTimeout = *idle

	// Catch signals before anything is created, so an early SIGTERM still
	// ends in Model.Remove().
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)

	started := time.Now()
	if err := m.Create(); err != nil {
		m.Remove()
		fatalf("creating the model: %v", err)
	}
	c := m.Count() // reads the registry unlocked: do it before serving
	if *instance != "" && *uuidSeed != "" {
		m.Remove()
		fatalf("-instance and -uuid-seed exclude each other")
	}
	if *instance != "" {
		makeDistinct(*instance, true)
	}
	if *uuidSeed != "" {
		makeDistinct(*uuidSeed, false)
	}
	for _, v := range renames {
		if err := renameVM(v); err != nil {
			m.Remove()
			fatalf("-rename %q: %v", v, err)
		}
	}
	// Name the datastore folders, so that ./stop can remove them should the
	// simulator have to be SIGKILLed.
	seen := map[string]bool{}
	for _, e := range simulator.Map.All("Datastore") {
		if ds, ok := e.(*simulator.Datastore); ok {
			dir := ds.Info.GetDatastoreInfo().Url
			if strings.HasPrefix(filepath.Base(dir), "govcsim-") && !seen[dir] {
				seen[dir] = true
				fmt.Println("zabitan-vcsim: datastore folder " + dir)
			}
		}
	}
	if *realistic {
		ref := m.ServiceContent.PerfManager
		pm, ok := simulator.Map.Get(*ref).(*simulator.PerformanceManager)
		if !ok {
			m.Remove()
			fatalf("no PerformanceManager at %v", ref)
		}
		groups := make(map[int32]string, len(pm.PerfCounter))
		for _, c := range pm.PerfCounter {
			if c.GroupInfo != nil {
				groups[c.Key] = c.GroupInfo.GetElementDescription().Key
			}
		}
		rp := &realisticPerf{PerformanceManager: pm, groups: groups, maxMetrics: *maxQueryMetrics,
			busy: map[string]int64{}}
		for _, c := range pm.PerfCounter {
			if c.GroupInfo != nil && c.NameInfo != nil && c.GroupInfo.GetElementDescription().Key == "cpu" &&
				c.NameInfo.GetElementDescription().Key == "usage" && c.RollupType == types.PerfSummaryTypeAverage {
				rp.cpuUsage = c.Key
			}
		}
		for _, v := range cpuUsage {
			name, pct, ok := strings.Cut(v, "=")
			f, err := strconv.ParseFloat(pct, 64)
			if !ok || err != nil || f < 0 || f > 100 {
				m.Remove()
				fatalf("-cpu-usage %q: want NAME=PERCENT (0-100)", v)
			}
			found := false
			for _, e := range simulator.Map.All("VirtualMachine") {
				if vm, ok := e.(*simulator.VirtualMachine); ok && vm.Name == name {
					rp.busy[vm.Self.Value] = int64(math.Round(f * 100))
					found = true
				}
			}
			if !found {
				m.Remove()
				fatalf("-cpu-usage %q: no VM named %q", v, name)
			}
		}
		simulator.Map.Put(rp)
		if *maxQueryMetrics > 0 {
			om, ok := simulator.Map.Get(*m.ServiceContent.Setting).(*simulator.OptionManager)
			if !ok {
				m.Remove()
				fatalf("no OptionManager at %v", m.ServiceContent.Setting)
			}
			// A string, as vCenter stores it (Telegraf reads it that way too).
			om.Setting = append(om.Setting, &types.OptionValue{Key: "config.vpxd.stats.maxQueryMetrics",
				Value: strconv.Itoa(*maxQueryMetrics)})
		}
	}

	m.Service.Listen = &url.URL{Host: *listen}
	if *user != "" {
		m.Service.Listen.User = url.UserPassword(*user, *password)
	}
	var cert tls.Certificate
	if *useTLS {
		var err error
		if cert, err = selfSigned(); err != nil {
			m.Remove()
			fatalf("certificate: %v", err)
		}
		m.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	var srv *simulator.Server
	func() {
		defer func() {
			if r := recover(); r != nil { // NewServer panics when it cannot listen
				m.Remove()
				fatalf("listen on %s: %v", *listen, r)
			}
		}()
		srv = m.Service.NewServer()
	}()

	u := *srv.URL
	login := u.User
	u.User = nil
	pass, _ := login.Password()
	lines := []string{
		"VCSIM_URL=" + u.String(),
		"VCSIM_USER=" + login.Username(),
		"VCSIM_PASSWORD=" + pass,
		"VCSIM_MODE=" + *mode,
	}
	if *useTLS {
		d256 := sha256.Sum256(cert.Certificate[0])
		d1 := sha1.Sum(cert.Certificate[0])
		lines = append(lines, "VCSIM_THUMBPRINT="+colonHex(d256[:]), "VCSIM_THUMBPRINT_SHA1="+colonHex(d1[:]))
		if *certOut != "" {
			p := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]})
			if err := writeAtomic(*certOut, p, 0o644); err != nil {
				srv.Close()
				m.Remove()
				fatalf("writing %s: %v", *certOut, err)
			}
			lines = append(lines, "VCSIM_CERT="+*certOut)
		}
	}
	fmt.Println(strings.Join(lines, "\n"))
	fmt.Printf("zabitan-vcsim: %s model ready in %.2fs: %d datacenters, %d clusters, %d hosts, %d VMs, %d datastores\n",
		*mode, time.Since(started).Seconds(), c.Datacenter, c.Cluster, c.Host, c.Machine, c.Datastore)
	if *readyFile != "" {
		if err := writeAtomic(*readyFile, []byte(u.String()+"\n"), 0o644); err != nil {
			srv.Close()
			m.Remove()
			fatalf("writing %s: %v", *readyFile, err)
		}
	}

	sig := <-sigs
	fmt.Printf("zabitan-vcsim: %v, shutting down\n", sig)
	// Close waits for requests in flight; don't let a stuck one block cleanup.
	closed := make(chan struct{})
	go func() { srv.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		fmt.Println("zabitan-vcsim: server close timed out")
	}
	m.Remove()
	os.Exit(0)
}

// makeDistinct sets apart the inventory of one simulated vCenter among several of one shape
// (vcsim derives names and UUIDs from inventory paths alone, so they would all be equal): with
// rename, VM and host names get the prefix SEED-; always, UUIDs derived from seed and the old UUID replace a
// VM's uuid and instanceUuid and a host's hardware.systemInfo.uuid, in the objects and their
// summaries.
func makeDistinct(seed string, rename bool) {
	reseed := func(old string) string {
		if old == "" {
			return old
		}
		h := sha1.Sum([]byte(seed + "/" + old))
		h[6] = h[6]&0x0f | 0x50 // version 5 (name-based, SHA-1), as vcsim's own
		h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
		return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
	}
	for _, e := range simulator.Map.All("VirtualMachine") {
		if vm, ok := e.(*simulator.VirtualMachine); ok && vm.Config != nil {
			if rename {
				vm.Name = seed + "-" + vm.Name
				vm.Config.Name = vm.Name
				vm.Summary.Config.Name = vm.Name
			}
			vm.Config.Uuid = reseed(vm.Config.Uuid)
			vm.Config.InstanceUuid = reseed(vm.Config.InstanceUuid)
			if vm.Summary.Config.Uuid != "" {
				vm.Summary.Config.Uuid = vm.Config.Uuid
				vm.Summary.Config.InstanceUuid = vm.Config.InstanceUuid
			}
		}
	}
	for _, e := range simulator.Map.All("HostSystem") {
		if h, ok := e.(*simulator.HostSystem); ok && h.Hardware != nil && h.Hardware.SystemInfo.Uuid != "" {
			if rename {
				h.Name = seed + "-" + h.Name
				h.Summary.Config.Name = h.Name
			}
			h.Hardware.SystemInfo.Uuid = reseed(h.Hardware.SystemInfo.Uuid)
			if h.Summary.Hardware != nil {
				h.Summary.Hardware.Uuid = h.Hardware.SystemInfo.Uuid
			}
		}
	}
}

// renameVM applies one -rename OLD=NEW. vCenter refuses two VMs of one name in one folder but
// not in two; the simulator's model is changed directly, so the folder does not matter here.
func renameVM(v string) error {
	old, name, ok := strings.Cut(v, "=")
	if !ok || old == "" || name == "" {
		return fmt.Errorf("want OLD=NEW")
	}
	for _, e := range simulator.Map.All("VirtualMachine") {
		if vm, ok := e.(*simulator.VirtualMachine); ok && vm.Name == old && vm.Config != nil {
			vm.Name = name
			vm.Config.Name = name
			vm.Summary.Config.Name = name
			return nil
		}
	}
	return fmt.Errorf("no VM named %q", old)
}
