#pragma once
// Turns raw channel values into per-interval energy: counter deltas with wraparound, and
// trapezoid integration of power gauges. The one place this happens, so it is tested once.
#include <span>
#include <vector>

#include "powerml/record/timeline.hpp"

namespace powerml::sampler {

using record::Channel;
using record::DataQuality;
using record::EnergyKind;
using record::SampleRow;
using record::Timeline;

class EnergyIntegrator {
public:
    explicit EnergyIntegrator(const std::vector<Channel>& channels);

    // Fills row.energy_j from row.values and the previous good value of each channel, and
    // counts wraps, read errors and resets into `quality`. `fresh` (one flag per channel; empty:
    // all) says which channels were read for this row: the others hold their last reading,
    // get no energy here and count no read error, and their next fresh value covers the whole
    // time since their last one.
    //   counter:           the counter's step since its previous reading
    //   integrated_power:  trapezoid between the previous reading and this one
    //   model:             this reading x the time since the previous one. A modelled power is
    //                      the model at the utilisation over the time up to this reading, so
    //                      it belongs to that time, not to the next: the readings' windows tile
    //                      time exactly, and no energy is lost or counted twice at any rate.
    void add(SampleRow& row, DataQuality& quality, std::span<const unsigned char> fresh = {});

    // Energy of one counter step from `previous` to `current` raw readings. A reading lower
    // than the previous one is a wrap when the counter has a wrap range (the energy is
    // current + wrap_at - previous), else a reset (the energy since the reset is `current`).
    static double counter_delta(double previous, double current, double wrap_at, bool& wrapped, bool& reset);

private:
    struct State {
        bool have = false;
        double value = 0;
        double t_s = 0;
    };
    const std::vector<Channel>& m_channels;
    std::vector<State> m_state;
};

}  // namespace powerml::sampler
