// The realistic PerformanceManager of zabitan-vcsim (-realistic-perf): what
// makes vcsim's QueryPerf and QueryPerfCounter answer as a real vCenter does.
// See main.go for the program.

package main

import (
	"fmt"
	"math"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// realisticPerf wraps the simulator's PerformanceManager (installed in the
// registry under the same moref) to remove three differences from vCenter.
// Get() lets the PropertyCollector still read perfCounter etc. from the
// wrapped object.
type realisticPerf struct {
	*simulator.PerformanceManager
	groups     map[int32]string // counter key -> group ("net", "virtualDisk", ...)
	maxMetrics int              // > 0: refuse a QueryPerf asking for more metricIds
	cpuUsage   int32            // counter key of cpu.usage.average
	busy       map[string]int64 // VM moref -> fixed cpu.usage.average (percent x 100), -cpu-usage
}

// PerfMetricIntSeries replaces types.PerfMetricIntSeries in replies: the same
// XML (the element's xsi:type is this type's name), but without omitempty on
// the values, so that zeros are sent as <value>0</value> as vCenter does
// instead of being dropped.
type PerfMetricIntSeries struct {
	types.PerfMetricSeries
	Value []int64 `xml:"value"`
}

func (s *PerfMetricIntSeries) GetPerfMetricSeries() *types.PerfMetricSeries {
	return &s.PerfMetricSeries
}

// deviceInstance names a VM's virtual disk the way vSphere's virtualDisk
// counters do: controller type, bus number, unit ("scsi0:0").
func deviceInstance(devices object.VirtualDeviceList, disk *types.VirtualDisk) string {
	kind := ""
	var bus int32
	switch c := devices.FindByKey(disk.ControllerKey).(type) {
	case types.BaseVirtualSCSIController:
		kind, bus = "scsi", c.GetVirtualSCSIController().BusNumber
	case types.BaseVirtualSATAController:
		kind, bus = "sata", c.GetVirtualSATAController().BusNumber
	case *types.VirtualIDEController:
		kind, bus = "ide", c.BusNumber
	case *types.VirtualNVMEController:
		kind, bus = "nvme", c.BusNumber
	default:
		return ""
	}
	unit := int32(0)
	if disk.UnitNumber != nil {
		unit = *disk.UnitNumber
	}
	return fmt.Sprintf("%s%d:%d", kind, bus, unit)
}

// datastoreInstances names datastores the way the datastore counters do: by
// the last part of the datastore URL (the VMFS UUID of ds:///vmfs/volumes/<uuid>/).
func datastoreInstances(refs []types.ManagedObjectReference) []string {
	var out []string
	for _, ref := range refs {
		if ds, ok := simulator.Map.Get(ref).(*simulator.Datastore); ok {
			if name := path.Base(strings.TrimRight(ds.Summary.Url, "/")); name != "" && name != "." && name != "/" {
				out = append(out, name)
			}
		}
	}
	return out
}

// instances lists what instance "*" stands for: vCenter returns every
// instance the entity has (and the aggregate "" where the counter has one);
// stock vcsim echoes "*" literally. NICs, virtual disks and datastores come
// from the inventory; other counters from the simulator's own list of
// available metrics (QueryAvailablePerfMetric).
func (p *realisticPerf) instances(ctx *simulator.Context, entity types.ManagedObjectReference, counter int32) []string {
	obj := simulator.Map.Get(entity)
	switch p.groups[counter] {
	case "net":
		out := []string{""}
		switch e := obj.(type) {
		case *simulator.HostSystem:
			if e.Config != nil && e.Config.Network != nil {
				for _, nic := range e.Config.Network.Pnic {
					out = append(out, nic.Device)
				}
			}
		case *simulator.VirtualMachine:
			if e.Config != nil {
				for _, d := range e.Config.Hardware.Device {
					if nic, ok := d.(types.BaseVirtualEthernetCard); ok {
						out = append(out, strconv.Itoa(int(nic.GetVirtualEthernetCard().Key)))
					}
				}
			}
		}
		return out
	case "virtualDisk":
		var out []string
		if vm, ok := obj.(*simulator.VirtualMachine); ok && vm.Config != nil {
			// A type assertion: devices.SelectByType reflects on every device.
			devices := object.VirtualDeviceList(vm.Config.Hardware.Device)
			for _, d := range devices {
				if disk, ok := d.(*types.VirtualDisk); ok {
					if name := deviceInstance(devices, disk); name != "" {
						out = append(out, name)
					}
				}
			}
		}
		return out
	case "datastore":
		switch e := obj.(type) {
		case *simulator.HostSystem:
			return datastoreInstances(e.Datastore)
		case *simulator.VirtualMachine:
			return datastoreInstances(e.Datastore)
		}
		return nil
	}
	var out []string
	if obj != nil {
		res := p.PerformanceManager.QueryAvailablePerfMetric(ctx, &types.QueryAvailablePerfMetric{Entity: entity, IntervalId: 20})
		if body, ok := res.(*methods.QueryAvailablePerfMetricBody); ok && body.Res != nil {
			for _, id := range body.Res.Returnval {
				if id.CounterId == counter {
					out = append(out, id.Instance)
				}
			}
		}
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out
}

func (p *realisticPerf) Get() mo.Reference { return p.PerformanceManager }

// QueryPerfCounter: vcsim 0.24.2 dereferences a nil response here and the
// client gets an empty reply (govmomi#2440). Answer from the catalogue.
func (p *realisticPerf) QueryPerfCounter(ctx *simulator.Context, req *types.QueryPerfCounter) soap.HasFault {
	body := &methods.QueryPerfCounterBody{Req: req, Res: new(types.QueryPerfCounterResponse)}
	index := make(map[int32]types.PerfCounterInfo, len(p.PerfCounter))
	for _, c := range p.PerfCounter {
		index[c.Key] = c
	}
	for _, id := range req.CounterId {
		info, ok := index[id]
		if !ok {
			body.Res = nil
			body.Fault_ = simulator.Fault("", &types.InvalidArgument{InvalidProperty: "CounterId"})
			return body
		}
		body.Res.Returnval = append(body.Res.Returnval, info)
	}
	return body
}

// QueryPerf: a missing maxSample means "the latest sample" (or the whole
// startTime..endTime range), and samples come oldest first on interval
// boundaries, after startTime, as vCenter sends them. Zero values are still
// dropped on the wire (the XML encoder's omitempty applies per element).
//
// maxQueryMetrics: with -max-query-metrics N, a call asking for more than N
// metricIds in all (entities x counters; "*" counts once) gets the fault
// vCenter sends, before anything else is done.
//
// Instance "*" is expanded to the entity's instances (see instances()).
func (p *realisticPerf) QueryPerf(ctx *simulator.Context, req *types.QueryPerf) soap.HasFault {
	if p.maxMetrics > 0 {
		n := 0
		for _, qs := range req.QuerySpec {
			n += len(qs.MetricId)
		}
		if n > p.maxMetrics {
			return &methods.QueryPerfBody{Fault_: simulator.Fault(
				"This operation is restricted by the administrator - 'vpxd.stats.maxQueryMetrics'. Contact your system administrator.",
				&types.InvalidArgument{InvalidProperty: "querySpec"})}
		}
	}
	// The instances of one entity are the same for every counter of a group
	// (net, virtualDisk, datastore): found once per call, as vCenter keeps
	// them, not once per counter. Finding them per counter (with reflection,
	// above) was about a fifth of the simulator's CPU in a 10,000-VM cycle.
	type instanceKey struct {
		entity string
		group  string
	}
	found := map[instanceKey][]string{}
	instances := func(entity types.ManagedObjectReference, counter int32) []string {
		key := instanceKey{entity.Value, p.groups[counter]}
		switch key.group {
		case "net", "virtualDisk", "datastore":
		default:
			key.group = "counter " + strconv.Itoa(int(counter))
		}
		list, ok := found[key]
		if !ok {
			list = p.instances(ctx, entity, counter)
			found[key] = list
		}
		return list
	}
	for i := range req.QuerySpec {
		qs := &req.QuerySpec[i]
		var ids []types.PerfMetricId
		for _, id := range qs.MetricId {
			if id.Instance != "*" {
				ids = append(ids, id)
				continue
			}
			for _, instance := range instances(qs.Entity, id.CounterId) {
				ids = append(ids, types.PerfMetricId{CounterId: id.CounterId, Instance: instance})
			}
		}
		qs.MetricId = ids
		if qs.MaxSample <= 0 {
			if qs.StartTime != nil {
				qs.MaxSample = math.MaxInt32
			} else {
				qs.MaxSample = 1
			}
		}
	}
	res := p.PerformanceManager.QueryPerf(ctx, req)
	body, ok := res.(*methods.QueryPerfBody)
	if !ok || body.Res == nil {
		return res
	}
	for n, base := range body.Res.Returnval {
		em, ok := base.(*types.PerfEntityMetric)
		if !ok || n >= len(req.QuerySpec) {
			continue
		}
		si := em.SampleInfo
		for i, j := 0, len(si)-1; i < j; i, j = i+1, j-1 {
			si[i], si[j] = si[j], si[i]
		}
		for i := range si {
			if si[i].Interval > 0 {
				si[i].Timestamp = si[i].Timestamp.Truncate(time.Duration(si[i].Interval) * time.Second)
			}
		}
		// Samples are for the range (startTime, endTime]; truncation may
		// have moved the oldest one to or before startTime.
		skip := 0
		if start := req.QuerySpec[n].StartTime; start != nil {
			for skip < len(si) && !si[skip].Timestamp.After(*start) {
				skip++
			}
		}
		em.SampleInfo = si[skip:]
		fixed, busy := p.busy[em.Entity.Value]
		for k, v := range em.Value {
			if s, ok := v.(*types.PerfMetricIntSeries); ok {
				for i, j := 0, len(s.Value)-1; i < j; i, j = i+1, j-1 {
					s.Value[i], s.Value[j] = s.Value[j], s.Value[i]
				}
				if skip <= len(s.Value) {
					s.Value = s.Value[skip:]
				}
				if busy && s.Id.CounterId == p.cpuUsage {
					for i := range s.Value {
						s.Value[i] = fixed
					}
				}
				em.Value[k] = &PerfMetricIntSeries{PerfMetricSeries: s.PerfMetricSeries, Value: s.Value}
			}
		}
	}
	return body
}
