/* The elementwise kernels on 16 lanes with FMA (compiled with -mavx512f -mavx512vl -mavx512dq -mfma; chosen at run time). */
#define RL_EW_TABLE rl_elementwise_avx512
#define RL_EW_NAME "avx512"
#include "elementwise_impl.h"
