/* yaml_tree moved to pipeline/yaml_tree.{c,h} by the lead: it is shared by the YAML pipeline
 * loader, the trainer's --config and the stages' rule files. Edit it there. */
#include "../pipeline/yaml_tree.h"
