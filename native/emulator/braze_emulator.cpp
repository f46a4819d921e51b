#include "braze_emulator.hpp"
