#pragma once
// The OpenAPI 3.0 description of every route `powerml serve` answers, served at /openapi.json.
#include <nlohmann/json.hpp>

namespace powerml::server {

nlohmann::json openapi_document();

}  // namespace powerml::server
