/* heapcore/heapcore.h — umbrella header of the heapcore engine. */
#ifndef HEAPCORE_HEAPCORE_H
#define HEAPCORE_HEAPCORE_H
#include "heapcore/error.h"
#include "heapcore/addrset.h"
#include "heapcore/graph.h"
#include "heapcore/walk.h"
#include "heapcore/idset.h"
#include "heapcore/kinds.h"
#include "heapcore/partition.h"
#include "heapcore/dominators.h"
#include "heapcore/paths.h"
#include "heapcore/referrers.h"
#include "heapcore/labeller.h"
#include "heapcore/via.h"
#include "heapcore/edgelabels.h"
#include "heapcore/pynames.h"
#include "heapcore/snapfile.h"
#include "heapcore/values.h"
#include "heapcore/chrome.h"
#include "heapcore/outfile.h"
#include "heapcore/inject.h"
#endif
