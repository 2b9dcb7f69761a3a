#include "train/csv_log.h"

namespace ad::train {

void CsvLog::log(std::size_t epoch, const Metrics& metrics) {
  history_.add(epoch, metrics);
  history_.save_csv(path_);
}

void CsvLog::log(const Metrics& metrics) {
  history_.add(metrics);
  history_.save_csv(path_);
}

}  // namespace ad::train
