// powerml model-info FILE.onnx | --model M: parameters, buffers, size and MACs (per layer and
// in total) of a model, the characteristics seed 001 relates to energy.
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "powerml/cli/commands.hpp"
#include "powerml/core/error.hpp"
#include "powerml/workloads/model_zoo.hpp"
#include "powerml/workloads/onnx_model_info.hpp"

namespace powerml::cli {

void add_model_info_command(CLI::App& app, int& exit_code) {
    struct Flags {
        std::string file, model, input, freeze, format = "text";
        int classes = 0;
        bool layers = false;
    };
    auto flags = std::make_shared<Flags>();
    auto* cmd = app.add_subcommand("model-info", "Parameters, buffers, size and MACs of an ONNX file or a built-in model");
    cmd->add_option("file", flags->file, "ONNX model file");
    cmd->add_option("--model,-m", flags->model, "A built-in model instead of a file (see 'powerml workload train --help')");
    cmd->add_option("--input", flags->input,
                    "Input image CxHxW for --model (default 3x32x32 as in seed 001; 3x224x224 for the -imagenet models)");
    cmd->add_option("--classes", flags->classes, "Output classes for --model (default 10; 1000 for the -imagenet models)");
    cmd->add_option("--freeze", flags->freeze,
                    "For --model: count as trainable only what 'workload train --freeze' would train (features, all-but-last, "
                    "or module paths)");
    cmd->add_flag("--layers", flags->layers, "List every layer that performs MACs");
    cmd->add_option("--format", flags->format, "text or json")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
    cmd->callback([flags, &exit_code] {
        if (flags->file.empty() == flags->model.empty()) throw Error("model-info: give an ONNX FILE or --model NAME (one of them)");
        workloads::ModelCharacteristics info;
        if (!flags->file.empty()) {
            if (!flags->input.empty() || flags->classes != 0 || !flags->freeze.empty())
                throw Error("model-info: --input, --classes and --freeze apply to --model; an ONNX file declares its own input");
            info = workloads::onnx_characteristics(flags->file);
        } else {
            workloads::check_model_name(flags->model);
            const bool imagenet = flags->model.ends_with("-imagenet");
            const auto input = flags->input.empty() ? workloads::ImageShape{3, imagenet ? 224 : 32, imagenet ? 224 : 32}
                                                    : workloads::parse_image_shape(flags->input, "--input");
            const int classes = flags->classes != 0 ? flags->classes : (imagenet ? 1000 : 10);
            if (classes < 2 || classes > 100000) throw Error("--classes must be between 2 and 100000");
            info = workloads::builtin_characteristics(flags->model, input, classes, flags->freeze);
        }
        if (flags->format == "json")
            fmt::print("{}\n", workloads::to_json(info, flags->layers).dump(2));
        else
            fmt::print("{}", workloads::format_characteristics(info, flags->layers));
        exit_code = 0;
    });
}

}  // namespace powerml::cli
