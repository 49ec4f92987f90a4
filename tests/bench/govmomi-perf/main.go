// govmomi-perf: the benchmark's reference client. One collection cycle of the metric set
// zabitan-vmware collects by default, done the way govmomi's own performance.Manager does it:
// log in, list hosts and VMs through a ContainerView, SampleByName (the last 15 realtime
// samples, every instance), ToMetricSeries; then log out. Prints what it got on one line, on
// stderr (the benchmark's runner discards stdout):
//
//	entities=10250 series=123456 values=1851840 soap_calls=7
//
// Usage: govmomi-perf -url https://127.0.0.1:PORT/sdk -user U -password P [-insecure]
package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/performance"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/view"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// The same counters as vmware-collector/src/metrics.cpp's DefaultMetrics.
var vmCounters = []string{
	"cpu.usage.average", "cpu.ready.summation", "cpu.latency.average",
	"mem.consumed.average", "mem.active.average", "mem.vmmemctl.average", "mem.swapped.average",
	"net.received.average", "net.transmitted.average",
	"virtualDisk.read.average", "virtualDisk.write.average",
	"virtualDisk.totalReadLatency.average", "virtualDisk.totalWriteLatency.average",
}
var hostCounters = []string{
	"cpu.usage.average", "cpu.utilization.average", "mem.usage.average", "power.power.average",
	"net.received.average", "net.transmitted.average",
	"datastore.totalReadLatency.average", "datastore.totalWriteLatency.average",
}

// countingTransport counts SOAP round trips, as zabitan-vmware -v reports its own.
type countingTransport struct {
	soap.RoundTripper
	calls int64
}

func (t *countingTransport) RoundTrip(ctx context.Context, req, res soap.HasFault) error {
	atomic.AddInt64(&t.calls, 1)
	return t.RoundTripper.RoundTrip(ctx, req, res)
}

// govmomiClient is govmomi.NewClient with the round trips after RetrieveServiceContent counted
// (that first one is counted by hand: vim25.NewClient needs the plain soap.Client to set up).
func govmomiClient(ctx context.Context, sc *soap.Client, counter *countingTransport) (*govmomi.Client, error) {
	vimClient, err := vim25.NewClient(ctx, sc)
	if err != nil {
		return nil, err
	}
	counter.calls = 1
	vimClient.RoundTripper = counter
	return &govmomi.Client{Client: vimClient, SessionManager: session.NewManager(vimClient)}, nil
}

func run() error {
	rawURL := flag.String("url", "", "the SDK URL")
	user := flag.String("user", "", "user name")
	password := flag.String("password", "", "password")
	insecure := flag.Bool("insecure", false, "skip certificate verification (the simulator's is self-signed)")
	flag.Parse()
	u, err := url.Parse(*rawURL)
	if err != nil {
		return err
	}
	ctx := context.Background()
	sc := soap.NewClient(u, *insecure)
	counter := &countingTransport{RoundTripper: sc}
	vc, err := govmomiClient(ctx, sc, counter)
	if err != nil {
		return err
	}
	if err := vc.Login(ctx, url.UserPassword(*user, *password)); err != nil {
		return err
	}
	defer vc.Logout(ctx)

	m := view.NewManager(vc.Client)
	v, err := m.CreateContainerView(ctx, vc.ServiceContent.RootFolder, []string{"HostSystem", "VirtualMachine"}, true)
	if err != nil {
		return err
	}
	defer v.Destroy(ctx)
	var hosts []mo.HostSystem
	if err := v.Retrieve(ctx, []string{"HostSystem"}, []string{"name"}, &hosts); err != nil {
		return err
	}
	var vms []mo.VirtualMachine
	if err := v.Retrieve(ctx, []string{"VirtualMachine"}, []string{"name"}, &vms); err != nil {
		return err
	}
	var hostRefs, vmRefs []types.ManagedObjectReference
	for _, h := range hosts {
		hostRefs = append(hostRefs, h.Reference())
	}
	for _, vm := range vms {
		vmRefs = append(vmRefs, vm.Reference())
	}

	pm := performance.NewManager(vc.Client)
	spec := types.PerfQuerySpec{MaxSample: 15, IntervalId: 20}
	series, values := 0, 0
	for _, q := range []struct {
		names []string
		refs  []types.ManagedObjectReference
	}{{hostCounters, hostRefs}, {vmCounters, vmRefs}} {
		sample, err := pm.SampleByName(ctx, spec, q.names, q.refs)
		if err != nil {
			return err
		}
		result, err := pm.ToMetricSeries(ctx, sample)
		if err != nil {
			return err
		}
		for _, e := range result {
			for _, s := range e.Value {
				series++
				values += len(s.Value)
			}
		}
	}
	fmt.Fprintf(os.Stderr, "entities=%d series=%d values=%d soap_calls=%d\n", len(hostRefs)+len(vmRefs), series, values,
		atomic.LoadInt64(&counter.calls))
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "govmomi-perf:", err)
		os.Exit(1)
	}
}
