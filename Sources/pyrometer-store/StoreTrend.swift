import ArgumentParser
import Foundation
import PyrometerAnalyze
import PyrometerModel
import PyrometerCLI
import PyrometerRender
import PyrometerStore


struct StoreTrend: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trend",
        abstract: "A function's share of a service's profiles, week by week (text, json, and an SVG chart).",
        discussion: """
            The function is named by its full name, as hotspots lists it. Example:
              pyrometer store trend --service api --function main.churn --type alloc_space --svg churn.svg
            """)

    @Option(help: "The service.")
    var service: String
    @Option(help: "The function (a frame name as folded stacks write it).")
    var function: String
    @Option(name: .customLong("type"), help: "The sample type (default: the service's most common default type).")
    var sampleType: String?
    @Option(help: "text or json.")
    var format: StoreListingExporter.Format = .text
    @Option(help: "Also write a line chart SVG here.")
    var svg: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var store: StoreFlag

    func run() throws {
        try Console.run {
            let opened = try store.open()
            let type = try sampleType ?? defaultType(opened)
            let points = try opened.trend(service: service, sampleType: type, function: function)
            let exporter = TrendExporter(service: service, function: function, sampleType: type, points: points.map {
                TrendExporter.Point(week: $0.week.label, value: $0.value, total: $0.total)
            })
            if let svg { try OutputFile.writeAtomically(exporter.svg(), to: svg) }
            try output.write(format == .json ? try exporter.json() : exporter.text())
        }
    }

    private func defaultType(_ opened: ProfileStore) throws -> String {
        var query = ProfileQuery()
        query.service = service
        query.onlyDefaultTypes = true
        var counts: [String: Int] = [:]
        for profile in try opened.list(query) { counts[profile.sampleType, default: 0] += 1 }
        guard let type = counts.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })?.key else {
            throw CLIError("no stored profiles of service '\(service)' in \(opened.displayName)")
        }
        return type
    }
}
