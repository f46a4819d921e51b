// The last samples of a rate (requests per second, retries per second) for ImGui::PlotLines: a ring buffer
// of the latest two minutes, one sample a second.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace tdbraze::desktop {

class RateHistory {
public:
    RateHistory() : RateHistory(120) {}  // two minutes of one sample a second
    explicit RateHistory(std::size_t capacity) : values_(capacity, 0.0f) {}

    void push(float value) {
        values_[next_] = value;
        next_ = (next_ + 1) % values_.size();
        if (count_ < values_.size()) ++count_;
    }
    void clear() {
        std::fill(values_.begin(), values_.end(), 0.0f);
        next_ = 0;
        count_ = 0;
    }

    std::size_t capacity() const { return values_.size(); }
    std::size_t count() const { return count_; }  // samples pushed, at most capacity()

    // The last samples, oldest first, for a plot: at least `minimum` of them (zeros before the first
    // sample), so that a short sync does not stretch three samples over the whole width.
    std::vector<float> window(std::size_t minimum) const {
        const std::size_t n = std::min(std::max(count_, minimum), values_.size());
        std::vector<float> out(n);
        for (std::size_t i = 0; i < n; ++i) out[i] = values_[(next_ + values_.size() - n + i) % values_.size()];
        return out;
    }
    float latest() const { return count_ == 0 ? 0.0f : values_[(next_ + values_.size() - 1) % values_.size()]; }
    float peak() const { return *std::max_element(values_.begin(), values_.end()); }

private:
    std::vector<float> values_;
    std::size_t next_ = 0;
    std::size_t count_ = 0;
};

}  // namespace tdbraze::desktop
