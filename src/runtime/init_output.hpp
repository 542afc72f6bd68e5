// Showing a sysv guest's rc output: `vserver NAME start` copies the stdout/stderr of
// "/etc/init.d/rc <runlevel>" (or cmd.start) to its own and returns once that command has
// exited, as util-vserver's start does (its init command runs in the foreground).
#pragma once

#include <string>
#include <vector>

#include "proc/output_relay.hpp"
#include "runtime/guest_init.hpp"
#include "runtime/runtime.hpp"
#include "spec/guest_spec.hpp"

namespace vs::runtime {

/// Style sysv without --rescue: its command is a boot script that ends, so start waits for it.
/// (A reaper's cmd.start or a plain init runs for the guest's whole life: nothing to wait for.)
bool shows_init_output(const spec::GuestSpec& spec, const StartOptions& opt);

/// Tells vs-init (plan.argv = {"vs-init", "--", ...}) to give its command the relay's pipes
/// and to report its exit, and lets the guest's first process keep those fds for it.
void attach_init_output(const proc::OutputRelay& relay, InitPlan& plan);

/// Copies the command's output to our stdout/stderr until it exits. Its failure is a warning:
/// the guest runs (its init reaps whatever rc started) and start has already succeeded.
void show_init_output(proc::OutputRelay& relay, const spec::GuestSpec& spec,
                      const std::vector<std::string>& plan_argv);

}  // namespace vs::runtime
