// parse_transfer_args: the command-line options of backup, restore and vserver-copy.
#include "cli/transfer_args.hpp"

#include <algorithm>

#include "cli/build_args.hpp"

namespace vs::cli {

Result<TransferArgs> parse_transfer_args(const std::string& cmd,
                                         const std::vector<std::string>& args,
                                         const std::vector<std::string>& allowed) {
    TransferArgs t;
    bool no_ip = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") {
            t.positional.insert(t.positional.end(), args.begin() + long(i) + 1, args.end());
            break;
        }
        if (a == "--json") {
            t.json = true;
        } else if (a == "-q" || a == "--quiet") {
            t.quiet = true;
        } else if (a == "--no-ip") {
            no_ip = true;
        } else if (a == "--ip" || a.rfind("--ip=", 0) == 0) {
            std::string v;
            if (a == "--ip") {
                if (i + 1 >= args.size())
                    return make_error(EINVAL, "{}: --ip needs an address", cmd);
                v = args[++i];
            } else {
                v = a.substr(5);
            }
            if (!t.interfaces) t.interfaces.emplace();
            auto itf = parse_interface_arg(v, std::to_string(t.interfaces->size()));
            if (!itf) return make_error(EINVAL, "{}: --ip \"{}\": {}", cmd, v, itf.error().message);
            t.interfaces->push_back(*itf);
        } else if (std::find(allowed.begin(), allowed.end(), a) != allowed.end()) {
            if (a == "--verify") t.verify = true;
            t.flags.push_back(a);
        } else if (a.size() > 1 && a[0] == '-') {
            return make_error(EINVAL, "{}: unknown option \"{}\"", cmd, a);
        } else {
            t.positional.push_back(a);
        }
    }
    if (no_ip && t.interfaces)
        return make_error(EINVAL, "{}: --ip and --no-ip exclude each other", cmd);
    if (no_ip) t.interfaces.emplace();
    return t;
}

}  // namespace vs::cli
