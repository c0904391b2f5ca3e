/* The elementwise kernels on 8 lanes with FMA (compiled with -mavx2 -mfma; chosen at run time). */
#define RL_EW_TABLE rl_elementwise_avx2
#define RL_EW_NAME "avx2"
#include "elementwise_impl.h"
