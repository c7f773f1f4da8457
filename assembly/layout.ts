/**
 * Every kernel reads its arguments from a layout table the host writes: one i32 per slot, either
 * a value (a width, a count) or the address of an array in linear memory.
 */

@inline export function field(layout: usize, slot: i32): i32 {
  return load<i32>(layout + (<usize>slot << 2));
}

@inline export function address(layout: usize, slot: i32): usize {
  return <usize>field(layout, slot);
}
