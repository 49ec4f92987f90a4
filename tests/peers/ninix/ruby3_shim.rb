# frozen_string_literal: true

# Ruby 3 keyword-argument shim for ninix-aya 5.0.9 (Debian 12, Ruby 3.1).
#
# Loaded before ninix with RUBYOPT=-r/path/to/ruby3_shim.rb by tests/peers/ninix/start;
# no package file is edited.
#
# ninix was written for Ruby 2: it forwards keyword arguments through methods that
# take `*rest`, e.g. MetaMagic::Holon#handle_request(event_type, event, *arglist)
# called as handle_request('NOTIFY', 'reset_script', reset_all: true). Since Ruby 3.0
# the keywords then arrive as a positional Hash ("wrong number of arguments (given 2,
# expected 1)") and ninix dies (sometimes with a segfault) as soon as the ghost boots.
#
# Fix: mark every method that ninix defines with a `*rest` parameter (and no keyword
# parameters of its own) with Module#ruby2_keywords, which restores the Ruby 2
# behaviour for exactly those delegating methods. Methods outside ninix's own files
# (Ruby's standard library, ruby-gnome, this project's hooks) are left alone.
module ZabitanNinixRuby3Shim
  NINIX_DIRS = ['/usr/lib/games/ninix-aya/'].freeze
  KEYWORD_PARAMS = %i[key keyreq keyrest nokey].freeze

  def self.candidate?(meth)
    file, = meth.source_location
    return false unless file && NINIX_DIRS.any? { |dir| file.start_with?(dir) }

    params = meth.parameters
    params.any? { |type, _| type == :rest } && params.none? { |type, _| KEYWORD_PARAMS.include?(type) }
  end

  # Instance methods (def foo(*args) inside class/module bodies).
  module MethodAdded
    def method_added(name)
      super
      meth = begin
        instance_method(name)
      rescue NameError
        return
      end
      return unless ZabitanNinixRuby3Shim.candidate?(meth)

      send(:ruby2_keywords, name)
    rescue StandardError => e
      warn "ruby3_shim: #{self}##{name}: #{e.class}: #{e.message}"
    end
  end

  # Singleton methods (def self.foo(*args)).
  module SingletonMethodAdded
    def singleton_method_added(name)
      super
      meth = begin
        singleton_class.instance_method(name)
      rescue NameError
        return
      end
      return unless ZabitanNinixRuby3Shim.candidate?(meth)

      singleton_class.send(:ruby2_keywords, name)
    rescue StandardError => e
      warn "ruby3_shim: #{self}.#{name}: #{e.class}: #{e.message}"
    end
  end
end

Module.prepend(ZabitanNinixRuby3Shim::MethodAdded)
BasicObject.prepend(ZabitanNinixRuby3Shim::SingletonMethodAdded)
