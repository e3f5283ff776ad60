# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The register personalities of the fake Ethos-U85 (sourced by /init, busybox
# sh). The NPU's registers are RAM (harness/lane/arm64/npu.dtsi): whatever is
# written there before insmod is what the driver reads; nothing ever changes
# by itself. They can only be written while ethosu does not hold the region
# (CONFIG_IO_STRICT_DEVMEM: devmem of a claimed region fails), so each
# personality is set before insmod.
#
#   silent      STATUS 0: no interrupt is ever raised, so every job runs into
#               the 500 ms drm_sched timeout (ethosu_job.c: JOB_TIMEOUT_MS,
#               ethosu_job_timedout), is cancelled and the NPU is reset.
#   completing  STATUS IRQ_RAISED (bit 1): the hard IRQ handler
#               (ethosu_job_irq_handler) accepts any interrupt, the thread
#               signals the job in flight without error. The agent below
#               makes the interrupts: it pends SPI 100 (npu.dtsi) in the GIC
#               distributor every NPU_AGENT_PERIOD_MS (guest/gic-agent.js),
#               whether or not a job is in flight (with none, the handler
#               finds no job and does nothing).
#
# Identity (both personalities; ethosu_drv.c ethosu_init): a v2.0.0 r1p0
# Ethos-U85 with 256 MACs and 8 PMU event counters; PROT has ACTIVE_CSL set
# so that ethosu_reset does not warn "Could not reset to non-secure mode".

NPU_BASE=${NPU_BASE:?}               # physical address of the register window (from the dtb)
# 50 ms: a job completes well inside the 500 ms timeout, and the agent's
# wake-ups (a node timer, an interrupt, the IRQ thread) cost little guest CPU.
NPU_AGENT_PERIOD_MS=${NPU_AGENT_PERIOD_MS:-50}

npu_reg() { # OFFSET VALUE
	devmem "$(printf '0x%x' $((NPU_BASE + $1)))" 32 "$2"
}

# npu_preset PERSONALITY: fills the register window. Fails if devmem does.
npu_preset() {
	# Clear every register ethosu writes or reads (ethosu_device.h), so that a
	# previous phase's writes (CMD, QBASE, BASEP, PMU counters, ...) do not leak
	# into this one. One devmem per 8 bytes: each is a process, which costs
	# tens of milliseconds under TCG, so the whole window is not cleared.
	for range in 0x000:0x060 0x080:0x0c0 0x1180:0x11b0 0x1300:0x1320 0x1380:0x13a0; do
		i=$((${range%:*})) end=$((${range#*:}))
		while [ $i -lt $end ]; do
			devmem "$(printf '0x%x' $((NPU_BASE + i)))" 64 0 || return 1
			i=$((i + 8))
		done
	done
	npu_reg 0x0000 0x20000100 || return 1 # ID: arch 2.0.0, r1p0 (ID_ARCH_MAJOR 2 = not a U65)
	npu_reg 0x0028 0x00000018 || return 1 # CONFIG: cmd stream v1, MACS_PER_CC 8 (256 MACs)
	npu_reg 0x0024 0x00000002 || return 1 # PROT: ACTIVE_CSL
	npu_reg 0x1180 0x00004000 || return 1 # PMCR (U85: pmu_regs + 0x1000): NUM_EVENT_CNT 8
	case $1 in
	silent) npu_reg 0x0004 0 ;;             # STATUS: idle, no IRQ, reset done
	completing) npu_reg 0x0004 0x2 ;;       # STATUS: IRQ_RAISED
	*) echo "npu_preset: unknown personality $1" >&2; return 1 ;;
	esac
}

npu_agent_pid=
npu_agent_start() { # guest/gic-agent.js: one process, no fork per interrupt
	rm -f /tmp/gic-agent.ready
	node /lane/gic-agent.js "$NPU_AGENT_PERIOD_MS" &
	npu_agent_pid=$!
	# Node takes seconds to start under TCG; a job submitted before would time out.
	n=0
	while [ ! -e /tmp/gic-agent.ready ]; do
		kill -0 "$npu_agent_pid" 2>/dev/null || { npu_agent_pid=; return 1; }
		[ $n -lt 600 ] || { npu_agent_stop; return 1; }
		usleep 100000
		n=$((n + 1))
	done
}
npu_agent_stop() {
	[ -n "$npu_agent_pid" ] || return 0
	kill "$npu_agent_pid" 2>/dev/null
	wait "$npu_agent_pid" 2>/dev/null
	npu_agent_pid=
}
