// VSERVER_FAULT's spec: POINT:ACTION, and @SUBJECT limiting a point to one subject.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

#include "base/fault.hpp"

namespace {

struct FaultEnv : ::testing::Test {
    void SetUp() override {
        ::setenv("VSERVER_FAULT", "p:fail", 1);
        const bool seam = !vs::fault_point("p");
        ::unsetenv("VSERVER_FAULT");
        if (!seam) GTEST_SKIP() << "built without VS_FAULT_INJECTION";
    }
    void TearDown() override { ::unsetenv("VSERVER_FAULT"); }
};

TEST_F(FaultEnv, PointWithoutSubjectFiresForEverySubject) {
    ::setenv("VSERVER_FAULT", "unify:hashed:fail", 1);
    EXPECT_FALSE(vs::fault_point("unify:hashed"));
    EXPECT_FALSE(vs::fault_point("unify:hashed", "/g/a@b"));
    EXPECT_TRUE(vs::fault_point("unify:hash"));
    EXPECT_TRUE(vs::fault_point("unify:sharing"));
}

TEST_F(FaultEnv, SubjectLimitsThePointToThatSubject) {
    // The first '@' starts the subject, which may hold more.
    ::setenv("VSERVER_FAULT", "unify:exchange:fail@/g/x@y", 1);
    auto hit = vs::fault_point("unify:exchange", "/g/x@y");
    ASSERT_FALSE(hit);
    EXPECT_NE(hit.error().what().find("injected fault at unify:exchange"), std::string::npos);
    EXPECT_TRUE(vs::fault_point("unify:exchange", "/g/x"));
    EXPECT_TRUE(vs::fault_point("unify:exchange"));
    EXPECT_TRUE(vs::fault_point("unify:hashed", "/g/x@y"));
}

TEST_F(FaultEnv, UnknownActionDoesNothing) {
    ::setenv("VSERVER_FAULT", "p:pause", 1);
    EXPECT_TRUE(vs::fault_point("p"));
}

}  // namespace
