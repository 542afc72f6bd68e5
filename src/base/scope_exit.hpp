// ScopeExit: runs a callback at scope end unless dismissed; the rollback-stack building block.
#pragma once

#include <functional>
#include <utility>
#include <vector>

namespace vs {

template <typename F>
class ScopeExit {
public:
    explicit ScopeExit(F f) : f_(std::move(f)) {}
    ScopeExit(const ScopeExit&) = delete;
    ScopeExit& operator=(const ScopeExit&) = delete;
    ~ScopeExit() {
        if (armed_) f_();
    }
    void dismiss() { armed_ = false; }

private:
    F f_;
    bool armed_ = true;
};

/// An ordered list of undo steps run in reverse unless commit() is called: used by start/build
/// so that a failure leaves the host as if nothing had been attempted.
class Rollback {
public:
    Rollback() = default;
    Rollback(const Rollback&) = delete;
    Rollback& operator=(const Rollback&) = delete;
    ~Rollback() { run(); }
    void add(std::function<void()> undo) { steps_.push_back(std::move(undo)); }
    void commit() { steps_.clear(); }
    void run() {
        while (!steps_.empty()) {
            auto step = std::move(steps_.back());
            steps_.pop_back();
            step();
        }
    }

private:
    std::vector<std::function<void()>> steps_;
};

}  // namespace vs
