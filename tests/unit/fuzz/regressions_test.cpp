// Inputs the fuzz targets (tests/fuzz/) found, each pinned with what the fixed parser must do.
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <string>
#include <string_view>

#include "config/vserver/fstab.hpp"
#include "config/vserver/registry.hpp"
#include "spec/ip_address.hpp"
#include "spec/validate.hpp"

namespace cv = vs::config::vserver;
using namespace std::string_literals;

// fstab_fuzz: a field holding a vertical tab (\013) was written back raw, and the parser, which
// splits on every isspace byte, read that line as five fields and refused the table it wrote.
TEST(FuzzRegressions, FstabFieldWithVerticalTabFormatsBackToOneField) {
    auto t = cv::parse_fstab("/srv/my\\040dir /mnt/a\\013b none bind\n");
    ASSERT_TRUE(t) << t.error().what();
    ASSERT_EQ(t->size(), 1u);
    EXPECT_EQ((*t)[0].target, "/mnt/a\vb");
    const std::string out = cv::format_fstab(*t);
    EXPECT_EQ(out, "/srv/my\\040dir\t/mnt/a\\013b\tnone\tbind\t0 0\n");
    auto again = cv::parse_fstab(out);
    ASSERT_TRUE(again) << again.error().what();
    ASSERT_EQ(again->size(), 1u);
    EXPECT_EQ((*again)[0].target, "/mnt/a\vb");
    // \f and \r too.
    auto fr = cv::parse_fstab("none /mnt/\\014\\015 tmpfs defaults\n");
    ASSERT_TRUE(fr);
    auto fr2 = cv::parse_fstab(cv::format_fstab(*fr));
    ASSERT_TRUE(fr2) << fr2.error().what();
    EXPECT_EQ((*fr2)[0].target, "/mnt/\f\r");
}

// fstab_fuzz: \000 unescaped to a NUL inside a field, which the mount would cut short.
TEST(FuzzRegressions, FstabRefusesNulInAField) {
    auto t = cv::parse_fstab("none /mnt/a\\000b tmpfs defaults\n");
    ASSERT_FALSE(t);
    EXPECT_NE(t.error().what().find("NUL"), std::string::npos) << t.error().what();
    EXPECT_FALSE(cv::parse_fstab("/dev/x\\000 /mnt ext4 ro\n"));
}

// ip_address_fuzz: inet_pton stops at a NUL, so "::f\0..." was accepted as ::f (and an
// interfaces/N/ip file "192.0.2.1\0junk" as 192.0.2.1).
TEST(FuzzRegressions, IpAddressWithNulIsRefused) {
    EXPECT_FALSE(vs::spec::parse_ip("::f\0\0\0\0\0\0\0ffd:1)9h2/2.0"s));
    EXPECT_FALSE(vs::spec::parse_ip("192.0.2.1\0junk"s));
    EXPECT_FALSE(vs::spec::parse_host_ip("192.0.2.1\0"s));
    EXPECT_FALSE(vs::spec::parse_cidr("192.0.2.1\0/24"s));
    EXPECT_FALSE(vs::spec::parse_prefix_or_mask("255.255.255.0\0"s, AF_INET));
    EXPECT_TRUE(vs::spec::parse_ip("192.0.2.1"));
}

// guest_name_fuzz: "\xc2\x89" (U+0089, a C1 control; U+009B is CSI) passed validate_name, so a
// guest name could carry a terminal escape into the host tools' output.
TEST(FuzzRegressions, GuestNameRefusesC1Controls) {
    EXPECT_FALSE(vs::spec::validate_name("\xc2\x89"));
    EXPECT_FALSE(
        vs::spec::validate_name("web\xc2\x9b"
                                "31m"));
    EXPECT_FALSE(vs::spec::validate_name("a\xc2\x80"));
    EXPECT_TRUE(vs::spec::validate_name("caf\xc3\xa9"));    // U+00E9
    EXPECT_TRUE(vs::spec::validate_name("nbsp\xc2\xa0x"));  // U+00A0 is printable
}

// config_keys_fuzz (tests/fuzz/corpus/config_keys/nodename-controls): a nodename with control
// bytes given as the pre-0.30 `hostname` file must not load, since it would be saved as
// uts/nodename, which refuses them, and that tree would not load again. Every way in applies
// spec::validate_uts_name, so it is refused at once, naming the file's key and the byte.
TEST(FuzzRegressions, NodenameWithControlBytesIsRefusedAtLoadAndAtSave) {
    const std::string value = "\x1f\x1f\t\x1f\x1f\x1f\xff\xff\xff\x01\x1f\x1f"s;
    for (const char* rel : {"hostname", "uts/nodename", "domainname", "uts/domainname"}) {
        vs::spec::GuestSpec s;
        s.name = "fuzz";
        s.config_dir = "/etc/vservers/fuzz";
        cv::apply_defaults(s);
        cv::LoadState st;
        st.dir = s.config_dir;
        cv::KeyFile kf{rel, s.config_dir + "/" + rel, {}, value + "\n"};
        const cv::Key* key = cv::find_key(rel, &kf.parts);
        ASSERT_NE(key, nullptr) << rel;
        auto r = key->parse(s, st, kf);
        ASSERT_FALSE(r) << rel;
        EXPECT_NE(r.error().what().find("contains control byte 0x1f"), std::string::npos)
            << r.error().what();
        EXPECT_EQ(r.error().what().find('\x1f'), std::string::npos) << "quoted raw";
    }
    // validate() (run before every save) applies the same rule, so no tree is written that
    // cannot be read back.
    vs::spec::GuestSpec s;
    s.name = "fuzz";
    s.root = "/vservers/fuzz";
    s.nodename = "a\tb";
    auto v = vs::spec::validate(s);
    ASSERT_FALSE(v);
    EXPECT_NE(v.error().what().find("uts/nodename"), std::string::npos) << v.error().what();
    s.nodename = "web-1.example.org";
    s.domainname = "nis\x7f";
    EXPECT_FALSE(vs::spec::validate(s));
    s.domainname = "nis.example";
    EXPECT_TRUE(vs::spec::validate(s)) << vs::spec::validate(s).error().what();
    // Valid UTF-8 stays allowed, a C1 control does not.
    EXPECT_TRUE(vs::spec::validate_uts_name("uts/nodename", "h\xc3\xa9te"));
    EXPECT_FALSE(vs::spec::validate_uts_name("uts/nodename",
                                             "a\xc2\x9b"
                                             "b"));
}
