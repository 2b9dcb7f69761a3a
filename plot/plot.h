// Everything in plot/: SVG line plots, heatmaps, decision boundaries and image grids, written without any
// dependency and always atomically.
#pragma once
#include "plot/axes.h"
#include "plot/color.h"
#include "plot/decision_boundary.h"
#include "plot/heatmap.h"
#include "plot/image_grid.h"
#include "plot/line_plot.h"
#include "plot/svg.h"
