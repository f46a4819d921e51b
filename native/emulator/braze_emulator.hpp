// A local stand-in for Braze's partner cohort endpoints and a Currents receiver. (Being written.)
#pragma once

namespace tdbraze::emulator {}
