#include "optim/adamw.h"

namespace ad::optim {

template <class T>
AdamW<T>::AdamW(std::vector<TensorT<T>> params, AdamOptions options)
    : Adam<T>(std::move(params), options, /*decoupled_weight_decay=*/true, "AdamW") {}

template class AdamW<float>;
template class AdamW<double>;

}  // namespace ad::optim
