#pragma once
#include <string>

namespace powerml::fuzz {
// What the next provider GET answers (fake_http_client.cpp).
extern std::string g_answer;
}  // namespace powerml::fuzz
