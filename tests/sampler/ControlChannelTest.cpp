#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "powerml/core/error.hpp"
#include "powerml/sampler/control_channel.hpp"

using namespace powerml;
using namespace powerml::sampler;

TEST(ControlChannelTest, ParsesTheLineProtocol) {
    auto m = parse_control_line("begin epoch-1");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, ControlMessage::Type::begin);
    EXPECT_EQ(m->name, "epoch-1");
    m = parse_control_line("end   train loop  \r\n");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, ControlMessage::Type::end);
    EXPECT_EQ(m->name, "train loop");
    m = parse_control_line("mark --end eval");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, ControlMessage::Type::end);
    EXPECT_EQ(m->name, "eval");
    m = parse_control_line("mark eval");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, ControlMessage::Type::begin);
    m = parse_control_line("metric accuracy 0.875");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, ControlMessage::Type::metric);
    EXPECT_EQ(m->name, "accuracy");
    EXPECT_DOUBLE_EQ(m->value, 0.875);
    for (const char* bad : {"", "begin", "hello world", "metric accuracy", "metric accuracy high", "metric a 1 2"})
        EXPECT_FALSE(parse_control_line(bad)) << bad;
}

TEST(ControlChannelTest, DeliversLinesFromSeveralWritersInOrderPerWriter) {
    ControlChannel channel;
    std::mutex mutex;
    std::vector<std::string> seen;
    int bad = 0;
    channel.start([&](const std::optional<ControlMessage>& m) {
        std::lock_guard lock(mutex);
        if (m) seen.push_back(m->name);
        else ++bad;
    });
    std::thread a([&] {
        for (int i = 0; i < 50; ++i) ControlChannel::send(channel.path(), "begin a" + std::to_string(i));
    });
    std::thread b([&] {
        for (int i = 0; i < 50; ++i) ControlChannel::send(channel.path(), "end b" + std::to_string(i));
    });
    a.join();
    b.join();
    ControlChannel::send(channel.path(), "nonsense");
    channel.stop();
    EXPECT_EQ(seen.size(), 100u);
    EXPECT_EQ(bad, 1);
    int last_a = -1;
    for (const auto& name : seen) {
        if (name[0] != 'a') continue;
        const int i = std::stoi(name.substr(1));
        EXPECT_GT(i, last_a);
        last_a = i;
    }
}

TEST(ControlChannelTest, SendingWithNoListenerIsAClearError) {
    std::filesystem::path path;
    {
        ControlChannel channel;
        path = channel.path();
    }
    try {
        ControlChannel::send(path, "begin x");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("no measurement is listening"), std::string::npos);
    }
}
